import ArgumentParser
import DNI

extension DNICommand {
    /// `dni train`: train one network with one method and report its metrics.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a network with backprop, DNI or cDNI and report test metrics.")

        @Option(help: "Training method: \(TrainingMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
        var method: TrainingMethod = .backprop

        @OptionGroup var arguments: TrainingArguments

        func run() throws {
            let plan = try arguments.plans(for: [method])[0]
            let engine = try arguments.engine()
            var reporter = ProgressReporter(json: arguments.json, method: method, tagLines: false)
            let interruptMonitor = InterruptMonitor()
            let summary = try plan.run(arguments: arguments, engine: engine, interruptMonitor: interruptMonitor) { event in
                reporter.handle(event, totalEpochs: plan.epochs)
            }
            if arguments.json {
                print(summary.jsonLine.description)
            } else {
                print(SummaryTable(summaries: [summary]).render())
            }
            if let warning = summary.trainLossWarning { printError("dni: warning: \(warning)") }
            if let interruption = TrainingInterrupted(interruptMonitor) { throw interruption }
        }
    }
}
