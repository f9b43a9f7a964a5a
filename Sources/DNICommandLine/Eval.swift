import ArgumentParser
import DNI

extension DNICommand {
    /// `dni eval`: the test metrics of a checkpoint's network.
    struct Eval: OutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the test metrics of the network saved in a checkpoint.",
            discussion: """
            The checkpoint holds the run's settings; the network is rebuilt from them, its state \
            read back, and scored on the task's test set (MNIST: the --data directory the run \
            used, or the one given here). Prints parameters_sha256, the digest `dni train` prints \
            in its summary, so a checkpoint can be matched with the run that wrote it.
            """)

        @Option(help: ArgumentHelp("The checkpoint file (written by dni train --checkpoint).", valueName: "path"))
        var checkpoint: String

        @Option(help: "MNIST: score on the test set in this directory instead of the run's.")
        var data: String?

        @Flag(help: "Write one JSON line instead of text.")
        var json = false

        func run() throws {
            try run(output: .process)
        }

        func run(output: CommandOutput) throws {
            let file = try CheckpointFile(contentsOf: checkpoint)
            var stored = try CheckpointArguments.storedArguments(of: file, path: checkpoint)
            if let data { stored += ["--data", data] }
            let train: Train
            do {
                train = try Train.parse(stored)
            } catch {
                throw InputError("\(checkpoint): its run's arguments do not parse with this dni (\(Train.message(for: error)))")
            }
            let tree = StateTree(sections: file.sections.filter { $0.name != CheckpointArguments.argumentsSection })
            let (plans, _) = try train.arguments.plans(for: [train.method])
            let evaluation: (test: Evaluation, parametersSHA256: String)
            var fields: [String: Double] = [:]
            do {
                switch plans[0] {
                case .addition(let experiment): evaluation = try experiment.evaluate(checkpoint: tree)
                case .mnist(let experiment, let mnist): evaluation = try experiment.evaluate(checkpoint: tree, on: mnist)
                case .images(let experiment, let data, let shape):
                    evaluation = try experiment.evaluate(checkpoint: tree, on: data, imageShape: shape)
                case .recurrent(let plan):
                    let scored = try plan.experiment.evaluate(checkpoint: tree)
                    evaluation = (scored.test, scored.parametersSHA256)
                    fields = scored.fields
                }
            } catch let error as InputError {
                throw InputError("\(checkpoint): \(error.description)")
            }
            let position = try? CheckpointPosition(tree)
            let test = evaluation.test
            if json {
                var line = JSONLine(event: "eval")
                line.append("checkpoint", .string(checkpoint))
                line.append("task", .string(train.arguments.task.rawValue))
                line.append("method", .string(train.method.rawValue))
                if let position {
                    line.append("epoch", .integer(position.epoch))
                    line.append("steps", .integer(position.steps))
                }
                line.append("test_loss", test.loss)
                line.append("test_accuracy", test.accuracy)
                line.append("test_exact", test.exactAccuracy)
                for (key, value) in fields.sorted(by: { $0.key < $1.key }) { line.append(key, value) }
                line.append("parameters_sha256", .string(evaluation.parametersSHA256))
                output.line(line.description)
            } else {
                var text = "\(train.arguments.task.rawValue), \(train.method.rawValue)"
                if let position { text += ", epoch \(position.epoch), \(position.steps) steps" }
                text += ": test loss \(fixedDecimals(test.loss, 4)), test accuracy \(fixedDecimals(100 * test.accuracy, 2))%"
                if let exact = test.exactAccuracy { text += ", exact sums \(fixedDecimals(100 * exact, 2))%" }
                for (key, value) in fields.sorted(by: { $0.key < $1.key }) { text += ", \(key) \(fixedDecimals(value, 3))" }
                output.line(text)
                output.line("parameters_sha256 \(evaluation.parametersSHA256)")
            }
        }
    }
}
