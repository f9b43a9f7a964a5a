import ArgumentParser
import DNI
import DNIReports

extension DNICommand {
    /// `dni compare`: the same task, data and seed under several methods, side by side.
    struct Compare: OutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the same network with several methods (and seeds) and compare them side by side.",
            discussion: """
            With --seeds, every method runs once per seed and a second table gives each method's \
            mean ± sample standard deviation over the seeds; --json then also writes one \
            {"event":"aggregate",…} line per method, and --report draws each method's spread \
            (min–max band around the mean).
            """)

        @Option(help: "Comma-separated methods to compare.")
        var methods: String = "backprop,dni,cdni"

        @Option(help: "Comma-separated seeds (e.g. 1,2,3,4,5): run every method once per seed and add a mean ± sd table. Replaces --seed.")
        var seeds: String?

        @OptionGroup var arguments: TrainingArguments

        @Option(help: "Also write a self-contained HTML report (charts and table) to this file.")
        var report: String?

        func run() throws {
            try run(output: .process)
        }

        func run(output: CommandOutput) throws {
            let methods = try parseMethods(self.methods)
            let seeds = try self.seeds.map(parseSeeds)
            let execution = try arguments.executionSettings()
            if execution.kind == .mpi { throw InputError("--execution mpi runs one training per job: use dni train under mpirun") }
            let (plans, data) = try arguments.plans(for: methods, seeds: seeds)
            if arguments.printConfig {
                let configurations = plans.map { plan in
                    ResolvedConfiguration(plan: plan, probeEvery: plan.probeEvery(arguments: arguments, probesByDefault: true),
                                          data: data, arguments: arguments, execution: execution).json
                }
                output.line("[\n" + configurations.joined(separator: ",\n") + "\n]")
                return
            }
            if let report { try ReportDestination.checkWritable(report) }
            let interruptMonitor = InterruptMonitor()
            data.write(to: output, json: arguments.json)
            var summaries: [TrainingSummary] = []
            var runs: [RunRecord] = []
            for plan in plans {
                var reporter = ProgressReporter(json: arguments.json, method: plan.method, tagLines: true,
                                                seed: seeds == nil ? nil : plan.seed, output: output)
                var recorder = RunRecorder()
                let probeEvery = plan.probeEvery(arguments: arguments, probesByDefault: true)
                let summary = try plan.run(arguments: arguments, probeEvery: probeEvery, execution: execution,
                                           interruptMonitor: interruptMonitor) { event in
                    reporter.handle(event, totalEpochs: plan.epochs)
                    recorder.record(event)
                }
                if arguments.json { output.line(summary.jsonLine.description) }
                if let warning = summary.trainLossWarning { output.diagnostic("dni: warning: \(warning)") }
                summaries.append(summary)
                runs.append(recorder.run(summary: summary, name: plan.label))
                if interruptMonitor.shouldStop { break }
            }
            let isRecurrent = arguments.task.isRecurrent
            let severalTruncations = (try arguments.recurrent.truncations()?.count ?? 1) > 1
            if arguments.json {
                if seeds != nil && !severalTruncations {
                    for line in SeedSummaryTable(summaries: summaries).jsonLines { output.line(line.description) }
                }
            } else {
                if isRecurrent {
                    output.line(RecurrentComparisonTable(summaries: summaries).render())
                } else {
                    output.line(SummaryTable(summaries: summaries).render())
                    if seeds != nil { output.line("\n" + SeedSummaryTable(summaries: summaries).render()) }
                }
            }
            if let report {
                let names = methods.map { $0.rawValue + ($0 == .dni && isRecurrent && arguments.recurrent.aux ? "+aux" : "") }
                var title = "\(arguments.task.rawValue): " + names.joined(separator: " vs ")
                if isRecurrent, let truncations = try arguments.recurrent.truncations() {
                    title += ", T = " + truncations.map(String.init).joined(separator: ", ")
                }
                if let seeds { title += ", seeds " + seeds.map(String.init).joined(separator: ", ") }
                try writeReport(runs, title: title, to: report)
                announceReport(report, output: output, json: arguments.json)
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
        guard let method = TrainingMethod(argument: name) else {
            throw InputError("--methods: unknown method '\(name)' (choose from \(TrainingMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard !methods.contains(method) else {
            throw InputError("--methods: '\(name)' is listed twice in '\(text)' (each method runs once)")
        }
        methods.append(method)
    }
    return methods
}

/// Parses `"1,2,3"` into distinct seeds, or throws an ``InputError`` naming the bad one.
func parseSeeds(_ text: String) throws -> [UInt64] {
    var seeds: [UInt64] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let trimmed = part.trimmingWhitespace()
        guard let seed = UInt64(trimmed) else {
            throw InputError("--seeds takes non-negative integers separated by commas; '\(trimmed)' in '\(text)' is not one")
        }
        guard !seeds.contains(seed) else { throw InputError("--seeds names seed \(seed) twice") }
        seeds.append(seed)
    }
    return seeds
}

/// Says where a report went: `report: PATH` on the results stream, or on the diagnostics
/// stream with `--json` so that standard output stays JSON Lines.
func announceReport(_ path: String, output: CommandOutput, json: Bool) {
    if json { output.diagnostic("report: \(path)") } else { output.line("report: \(path)") }
}
