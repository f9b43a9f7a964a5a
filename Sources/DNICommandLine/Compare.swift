import ArgumentParser
import DNI
import DNIReports

extension DNICommand {
    /// `dni compare`: the same task, data and seed under several methods, side by side.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the same network with several methods and compare them side by side.")

        @Option(help: "Comma-separated methods to compare.")
        var methods: String = "backprop,dni,cdni"

        @OptionGroup var arguments: TrainingArguments

        @Option(help: "Also write a self-contained HTML report (charts and table) to this file.")
        var report: String?

        func run() throws {
            let methods = try parseMethods(self.methods)
            if let report { try ReportDestination.checkWritable(report) }
            var summaries: [TrainingSummary] = []
            var runs: [RunRecord] = []
            let engine = try arguments.engine()
            let interruptMonitor = InterruptMonitor()
            for plan in try arguments.plans(for: methods) {
                var reporter = ProgressReporter(json: arguments.json, method: plan.method, tagLines: true)
                var recorder = RunRecorder()
                let summary = try plan.run(arguments: arguments, engine: engine, interruptMonitor: interruptMonitor) { event in
                    reporter.handle(event, totalEpochs: plan.epochs)
                    recorder.record(event)
                }
                if arguments.json { print(summary.jsonLine.description) }
                if let warning = summary.trainLossWarning { printError("dni: warning: \(warning)") }
                summaries.append(summary)
                runs.append(recorder.run(summary: summary))
                if interruptMonitor.shouldStop { break }
            }
            if !arguments.json { print(SummaryTable(summaries: summaries).render()) }
            if let report {
                let title = "\(arguments.task.rawValue): " + methods.map(\.rawValue).joined(separator: " vs ")
                try writeReport(runs, title: title, to: report)
                if !arguments.json { print("report: \(report)") }
            }
            if let interruption = TrainingInterrupted(interruptMonitor) { throw interruption }
        }
    }
}

/// Parses `"backprop,dni"` into methods, or throws an ``InputError`` naming the bad one.
func parseMethods(_ text: String) throws -> [TrainingMethod] {
    let names = text.split(separator: ",").map { $0.trimmingWhitespace() }
    guard !names.isEmpty else { throw InputError("--methods needs at least one method") }
    var methods: [TrainingMethod] = []
    for name in names {
        guard let method = TrainingMethod(rawValue: name) else {
            throw InputError("--methods: unknown method '\(name)' (choose from \(TrainingMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !methods.contains(method) else {
            throw InputError("--methods: '\(name)' is listed twice in '\(text)' (each method runs once)")
        }
        methods.append(method)
    }
    return methods
}
