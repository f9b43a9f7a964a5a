import DNI
import DNIReports

/// Collects one training run's events as a ``DNIReports/RunRecord`` for an HTML report.
struct RunRecorder {
    private(set) var epochs: [DNIReports.EpochRecord] = []
    private(set) var probes: [DNIReports.ProbeRecord] = []
    private(set) var windows: [DNIReports.WindowRecord] = []
    private(set) var stateProbes: [DNIReports.WindowRecord] = []

    mutating func record(_ event: TrainingEvent) {
        switch event {
        case .epoch(let record):
            var extra: [String: Double] = ["synthesizer_loss": record.synthesizerLoss]
            if let exact = record.test.exactAccuracy { extra["test_exact"] = exact }
            epochs.append(DNIReports.EpochRecord(
                epoch: record.epoch, trainLoss: record.trainLoss, testLoss: record.test.loss,
                testAccuracy: record.test.accuracy, seconds: record.seconds, extraFields: extra))
        case .probe(let record):
            for stage in record.stages {
                probes.append(DNIReports.ProbeRecord(
                    epoch: record.epoch, step: record.step, stage: stage.stage + 1, cosine: stage.cosine,
                    normRatio: stage.normRatio, synthesizerLoss: stage.synthesizerLoss))
            }
        case .line(let json, _):
            // A recurrent run's running metrics, `{"event":"report","window":N,…}`, and its
            // probes, `{"event":"probe","window":N,"cell_norm":…,"cosine":…}`.
            var window: Int?, fields: [String: Double] = [:], event = ""
            for (key, value) in json.fields {
                switch (key, value) {
                case ("event", .string(let name)): event = name
                case ("window", .integer(let index)): window = index
                case (_, .number(let number)): fields[key] = number
                case (_, .integer(let number)): fields[key] = Double(number)
                default: break
                }
            }
            guard let window else { break }
            if event == "report" { windows.append(DNIReports.WindowRecord(window: window, fields: fields)) }
            if event == "probe" {
                let records = RecurrentProbeRecords(window: window, numbers: fields)
                stateProbes.append(records.state)
                if let cosine = records.cosine { probes.append(cosine) }
            }
        case .step:
            break
        }
    }

    /// The run, named `name` (default: the method).
    func run(summary: TrainingSummary, name: String? = nil) -> RunRecord {
        // Recurrent runs: the task's result and the budget, as table columns.
        var extra: [String: Double] = summary.additionalFields.filter { RunSummary.recurrentFields.contains($0.key) }
        if let exact = summary.test.exactAccuracy { extra["test_exact"] = exact }
        return RunRecord(
            name: name ?? summary.method.rawValue, seed: Int(truncatingIfNeeded: summary.seed), epochs: epochs, probes: probes,
            windows: windows, stateProbes: stateProbes,
            summary: RunSummary(
                task: summary.task, execution: summary.execution, epochs: summary.epochs,
                seed: Int(truncatingIfNeeded: summary.seed), trainLoss: summary.trainLoss,
                testLoss: summary.test.loss, testAccuracy: summary.test.accuracy, seconds: summary.seconds,
                samplesPerSecond: summary.samplesPerSecond, extraFields: extra))
    }
}

/// Writes `runs` as an HTML report at `path`, turning write failures into bad-input errors.
func writeReport(_ runs: [RunRecord], title: String, to path: String) throws {
    do {
        try HTMLReport(runs: runs, title: title).writeAtomically(to: path)
    } catch {
        throw InputError("\(error)")
    }
}
