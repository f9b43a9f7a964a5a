import ArgumentParser
import DNI
import DNIReports
import Linalg

extension DNICommand.Bench {
    /// `dni bench execution`: training throughput of one network under every way of running its
    /// stages, side by side in one process, and the throughput a model of the pipeline predicts.
    struct ExecutionBenchmark: OutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "execution",
            abstract: "Time MNIST training sequentially on 1 and N threads and pipelined, side by side.",
            discussion: """
                For each method and batch size, trains the paper's MNIST network for --steps timed \
                steps after --warmup untimed ones under each execution, interleaved round after round \
                (--repeat rounds; the best round is reported), and prints samples per second and the \
                ratio to sequential execution on one thread. Backprop pipelined is GPipe-style \
                (micro-batches). The model lines predict the throughput of G stage groups from \
                each stage's measured cost alone (one thread each, no messages), for comparison.
                """)

        @Option(help: "Methods, comma-separated.")
        var methods = "cdni,dni,backprop"

        @Option(help: "Batch sizes, comma-separated.")
        var batchSizes = "32,256"

        @Option(help: "Timed steps per run.")
        var steps = 300

        @Option(help: "Untimed warm-up steps per run.")
        var warmup = 30

        @Option(name: .customLong("repeat"), help: "Rounds; the best round of each execution is reported.")
        var repeats = 1

        @Option(help: "Hidden layers of 256 units.")
        var layers = 3

        @Option(help: "Threads for the multi-threaded runs (default: every core).")
        var threads: Int?

        @Option(help: "Delays K of the pipelined runs, comma-separated (default: the default K, 1).")
        var delays: String?

        @Option(help: "update (DNI's update unlock) or forward (the complete unlock, dni and cdni: every execution then runs the stages from synthetic inputs; no model lines). (default: update)")
        var unlock: UnlockMode = .update

        @Option(help: "MNIST directory (default: $DNI_DATA, then the bundled subset).")
        var data: String?

        @Flag(help: "Print one JSON object per measurement.")
        var json = false

        /// One way of running the stages.
        struct Variant {
            var name: String
            var settings: ExecutionSettings
        }

        func run() throws { try run(output: .process) }

        /// Runs the benchmark, printing to `output`.
        func run(output: CommandOutput) throws {
            let methodList = try parseMethods(methods)
            let batches = try parseSizes(batchSizes, flag: "--batch-sizes")
            guard steps >= 1, warmup >= 0, repeats >= 1, (1...16).contains(layers) else {
                throw InputError("--steps and --repeat must be at least 1, --warmup at least 0, --layers in 1...16")
            }
            if unlock == .forward, let locked = methodList.first(where: { !$0.usesSynthesizers }) {
                throw InputError("--unlock forward needs synthesizers: use --methods dni or cdni, not \(locked.rawValue)")
            }
            let cores = threads ?? PackedGEMM.activeProcessorCount
            guard (1...256).contains(cores) else { throw InputError("--threads must be in 1...256, got \(cores)") }
            let mnist = try MNISTDataset.load(directory: data)
            let pipelinedDelays: [Int?] = try delays.map { try parseSizes($0, flag: "--delays") } ?? [nil]
            var variants = [
                Variant(name: "sequential, 1 thread", settings: ExecutionSettings(kind: .sequential, threads: 1)),
                Variant(name: "sequential, \(cores) threads", settings: ExecutionSettings(kind: .sequential, threads: cores)),
            ]
            for delay in pipelinedDelays {
                variants.append(Variant(name: "pipelined, \(cores) threads",
                                        settings: ExecutionSettings(kind: .pipelined, delay: delay, threads: cores)))
            }
            if !json {
                output.line("MNIST \(layers)×256, \(steps) timed steps after \(warmup), best of \(repeats) round(s), samples/s")
            }
            for method in methodList {
                for batchSize in batches {
                    var experiment = MNISTExperiment(method: method)
                    experiment.layers = layers
                    experiment.batchSize = batchSize
                    experiment.epochs = 1_000
                    experiment.unlock = unlock
                    var best = Array(repeating: 0.0, count: variants.count)
                    var summaries: [TrainingSummary?] = Array(repeating: nil, count: variants.count)
                    for _ in 0..<repeats {
                        for (index, variant) in variants.enumerated() {
                            let summary = try experiment.run(on: mnist, maxSteps: steps, warmupSteps: warmup,
                                                             execution: variant.settings)
                            if summary.samplesPerSecond > best[index] {
                                best[index] = summary.samplesPerSecond
                                summaries[index] = summary
                            }
                        }
                    }
                    for (index, variant) in variants.enumerated() {
                        let summary = summaries[index]!
                        let ratio = best[index] / best[0]
                        if json {
                            var line = JSONLine(event: "execution_bench")
                            line.append("method", .string(method.rawValue))
                            line.append("batch_size", .integer(batchSize))
                            line.append("execution", .string(summary.execution))
                            line.append("unlock", .string(unlock.rawValue))
                            line.append("threads", .integer(index == 0 ? 1 : cores))
                            line.append("stage_groups", .integers(summary.stageGroups))
                            line.append("delay", .integer(summary.delay))
                            line.append("micro_batches", .integer(summary.microBatches))
                            line.append("samples_per_second", best[index])
                            line.append("ratio_to_sequential_1_thread", ratio)
                            output.line(line.description)
                        } else {
                            let schedule = summary.execution.hasPrefix("pipelined")
                                ? " (groups \(summary.stageGroups.map(String.init).joined(separator: ",")), K=\(summary.delay)"
                                    + (summary.microBatches > 1 ? ", M=\(summary.microBatches))" : ")")
                                : ""
                            let unlocked = unlock == .forward ? ", complete unlock" : ""
                            output.line("\(method.rawValue) batch \(batchSize)  \(variant.name)\(unlocked)\(schedule): "
                                        + "\(Int(best[index].rounded()))  (\(formatted(ratio))×)")
                        }
                    }
                    // The model prices the update-unlocked stages only, not the input models and the real chain.
                    if unlock == .update { try printModel(experiment: experiment, method: method, batchSize: batchSize, output: output) }
                }
            }
        }

        /// Predicted samples/s of 1 … stages groups from the stages' measured costs.
        func printModel(experiment: MNISTExperiment, method: TrainingMethod, batchSize: Int, output: CommandOutput) throws {
            let configuration = experiment.networkConfiguration
            let costs = StageCost.measure(configuration: configuration, loss: SoftmaxCrossEntropy(), batchSize: batchSize)
            var parts: [String] = []
            for groups in 1...costs.count {
                let split = StageCost.split(costs, into: groups, movableLearning: method.usesSynthesizers)
                let predicted = Double(batchSize) / split.slowestGroup
                if json {
                    var line = JSONLine(event: "execution_model")
                    line.append("method", .string(method.rawValue))
                    line.append("batch_size", .integer(batchSize))
                    line.append("groups", .integer(groups))
                    line.append("stage_groups", .integers(split.groups))
                    line.append("predicted_samples_per_second", predicted)
                    output.line(line.description)
                } else {
                    parts.append("\(groups): \(Int(predicted.rounded()))")
                }
            }
            if !json {
                let stageCosts = costs.map { "\(formatted($0.stage * 1000))+\(formatted($0.synthesizerLearning * 1000))" }
                output.line("  model: stage costs (ms, own + synthesizer learning) \(stageCosts.joined(separator: ", ")); "
                            + "predicted samples/s by groups \(parts.joined(separator: ", "))")
            }
        }

        /// `value` with two decimals.
        func formatted(_ value: Double) -> String {
            let rounded = (value * 100).rounded() / 100
            return String(rounded)
        }

        /// Parses `"cdni,dni"` into methods, or throws naming `--methods`.
        func parseMethods(_ text: String) throws -> [TrainingMethod] {
            try text.split(separator: ",").map { name in
                guard let method = TrainingMethod(rawValue: String(name)) else {
                    throw InputError("--methods: '\(name)' is not a method (backprop, dni, cdni, fa, dfa)")
                }
                return method
            }
        }
    }
}
