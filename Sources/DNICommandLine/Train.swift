import ArgumentParser
import DNI
import DNIReports

extension DNICommand {
    /// `dni train`: train one network with one method and report its metrics.
    struct Train: InvocationCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a network with \(TrainingMethod.overview) and report test metrics.",
            discussion: """
            Every option left out takes the task's default, shown with each option below; \
            --print-config prints the resolved settings as JSON. Before training, one line says \
            which data is in use (standard error; a {"event":"data",…} line with --json).
            """)

        @Option(help: "Training method: \(TrainingMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
        var method: TrainingMethod = .backprop

        @OptionGroup var arguments: TrainingArguments

        @Option(help: "Also write a self-contained HTML report (charts and table) to this file; probes synthetic gradients by default.")
        var report: String?

        @OptionGroup(title: "Checkpoints") var checkpointing: CheckpointArguments

        func run() throws {
            try run(output: .process)
        }

        func run(output: CommandOutput) throws {
            try run(output: output, arguments: [])
        }

        func run(output: CommandOutput, arguments invocation: [String]) throws {
            if let truncations = try arguments.recurrent.truncations(), truncations.count > 1 {
                throw InputError("--truncation takes one value for dni train; dni compare runs a list")
            }
            let (plans, data) = try arguments.plans(for: [method])
            let plan = plans[0]
            let execution = try arguments.executionSettings()
            let probeEvery = plan.probeEvery(arguments: arguments, probesByDefault: report != nil)
            let configuration = ResolvedConfiguration(plan: plan, probeEvery: probeEvery, data: data, arguments: arguments,
                                                      execution: execution).json
            if arguments.printConfig {
                output.line(configuration)
                return
            }
            if let report { try ReportDestination.checkWritable(report) }
            try checkpointing.validate(execution: execution)
            if case .recurrent(let recurrent) = plan {
                // Before any output (the run checks it again).
                try recurrent.experiment.checkRecording(checkpointed: checkpointing.checkpoint != nil || checkpointing.resume != nil)
            }
            var stored = CheckpointArguments.storable(Array(invocation.dropFirst()))
            // Data found through $DNI_DATA is named, so that a resumed run reads it without it.
            if arguments.data == nil, let directory = data.directory { stored += ["--data", directory] }
            let (checkpoints, writer) = try checkpointing.plan(configuration: configuration, arguments: stored)
            // A run that ends in an error still completes the checkpoint being written.
            defer { try? writer?.finish() }
            // Not under MPI: ranks stopping at different steps would wait on each other forever.
            let interruptMonitor: InterruptMonitor? = execution.kind == .mpi ? nil : InterruptMonitor()
            try runDistributed(execution, output: output) { execution, output in
                data.write(to: output, json: arguments.json)
                var reporter = ProgressReporter(json: arguments.json, method: method, tagLines: false, output: output)
                var recorder = RunRecorder()
                var summary = try plan.run(arguments: arguments, probeEvery: probeEvery, execution: execution,
                                           interruptMonitor: interruptMonitor, checkpoints: checkpoints) { event in
                    reporter.handle(event, totalEpochs: plan.epochs)
                    recorder.record(event)
                }
                if let writer {
                    // The last checkpoint is on disk before the summary says it was written.
                    try writer.finish()
                    summary.executorStatistics.append(ExecutorStatistic(name: "checkpoint_write_seconds",
                                                                        value: writer.writeSeconds))
                }
                if arguments.json {
                    output.line(summary.jsonLine.description)
                } else {
                    output.line(SummaryTable(summaries: [summary]).render())
                }
                if let warning = summary.trainLossWarning { output.diagnostic("dni: warning: \(warning)") }
                if let report {
                    let title = "\(arguments.task.rawValue): \(method.rawValue), seed \(plan.seed)"
                    try writeReport([recorder.run(summary: summary)], title: title, to: report)
                    announceReport(report, output: output, json: arguments.json)
                }
            }
            if let interruptMonitor, let interruption = TrainingInterrupted(interruptMonitor) { throw interruption }
        }
    }
}

extension TrainingMethod {
    /// Every method by name, for help text: `backprop, dni, cdni, fa or dfa`.
    static var overview: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
