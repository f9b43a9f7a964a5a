import Foundation

/// One parsed line of a metrics file: an epoch, a probe, a summary, or something to ignore.
/// `method` and `seed` are nil when the line does not name them.
enum MetricsLine: Equatable {
    case epoch(method: String?, seed: Int?, EpochRecord)
    case probe(method: String?, seed: Int?, ProbeRecord)
    case summary(method: String?, RunSummary)
    /// A recurrent run's running metrics (`{"event":"report","window":N,…}`).
    case window(method: String?, seed: Int?, WindowRecord)
    /// A recurrent run's probe (`{"event":"probe","window":N,"cell_norm":…}`): the core's state
    /// diagnostics at that window and, for DNI, the cosine of ĝ with the true future gradient.
    case recurrentProbe(method: String?, seed: Int?, WindowRecord, ProbeRecord?)
    /// An event this reader does not know (ignored, so that newer writers stay readable).
    case ignored

    /// The fields each event understands; any other numeric field of an epoch or summary line
    /// goes to `extraFields`.
    static let epochFields: Set<String> = ["event", "method", "seed", "epoch", "train_loss", "test_loss", "test_accuracy", "seconds"]
    static let summaryFields: Set<String> = [
        "event", "method", "task", "execution", "epochs", "seed", "train_loss", "test_loss", "test_accuracy",
        "seconds", "samples_per_second",
    ]

    /// The extra summary fields a recurrent run's table shows (as `dni compare --report` does).
    static let recurrentSummaryFields = RunSummary.recurrentFields

    /// Parses one non-blank line. Throws a `MetricsLineProblem` saying what is wrong.
    init(parsing text: String) throws(MetricsLineProblem) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw MetricsLineProblem("not valid JSON: \(Self.excerpt(of: text))")
        }
        guard case .object(let fields) = value else {
            throw MetricsLineProblem("expected a JSON object, found \(value.typeName)")
        }
        let line = MetricsFields(fields)
        guard let event = try line.string("event") else {
            throw MetricsLineProblem("record has no \"event\" field")
        }
        var method = try line.string("method").flatMap { $0.isEmpty ? nil : $0 }
        // Recurrent lines name the truncation (and DNI + Aux): the run is `dni+aux T=3`, so that
        // a file comparing several truncations keeps them apart.
        if let name = method, let truncation = try line.integer("truncation") {
            let auxiliary = line.fields["auxiliary"] == .bool(true) || line.fields["auxiliary_weight"] != nil
            method = name + (auxiliary ? "+aux" : "") + " T=\(truncation)"
        }
        switch event {
        case "report":
            guard let window = try line.integer("window") else { self = .ignored; return }
            self = .window(method: method, seed: try line.integer("seed"),
                           WindowRecord(window: window, fields: line.numbers(excluding: ["event", "method", "seed", "window"])))
        case "probe" where line.fields["window"] != nil && line.fields["step"] == nil:
            // A recurrent probe: the core's state (‖c‖, saturated forget gates) by window, and the
            // cosine of ĝ with the true future gradient at the carried state (none for truncated
            // BPTT), drawn against the window as stage 1.
            let window = try line.requiredInteger("window", event: event)
            let records = RecurrentProbeRecords(window: window, numbers: line.numbers(excluding: []))
            self = .recurrentProbe(method: method, seed: try line.integer("seed"), records.state, records.cosine)
        case "epoch":
            let record = EpochRecord(
                epoch: try line.requiredInteger("epoch", event: event),
                trainLoss: try line.requiredNumber("train_loss", event: event),
                testLoss: try line.number("test_loss"),
                testAccuracy: try line.fraction("test_accuracy"),
                seconds: try line.number("seconds"),
                extraFields: line.numbers(excluding: Self.epochFields))
            self = .epoch(method: method, seed: try line.integer("seed"), record)
        case "probe":
            let record = ProbeRecord(
                epoch: try line.integer("epoch"),
                step: try line.requiredInteger("step", event: event),
                stage: try line.requiredInteger("stage", event: event),
                cosine: try line.requiredNumber("cosine", event: event),
                normRatio: try line.number("norm_ratio"),
                synthesizerLoss: try line.number("synthesizer_loss"))
            self = .probe(method: method, seed: try line.integer("seed"), record)
        case "summary":
            let summary = RunSummary(
                task: try line.string("task"),
                execution: try line.string("execution"),
                epochs: try line.integer("epochs"),
                seed: try line.integer("seed"),
                trainLoss: try line.number("train_loss"),
                testLoss: try line.number("test_loss"),
                testAccuracy: try line.fraction("test_accuracy"),
                seconds: try line.number("seconds"),
                samplesPerSecond: try line.number("samples_per_second"),
                extraFields: line.numbers(excluding: Self.summaryFields).filter { key, _ in
                    // A recurrent run's summary: the task's result and the budget only.
                    line.fields["truncation"] == nil || Self.recurrentSummaryFields.contains(key)
                })
            self = .summary(method: method, summary)
        default:
            self = .ignored
        }
    }

    /// The start of `text`, short enough for a one-line error message.
    static func excerpt(of text: String) -> String {
        let limit = 40
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.count <= limit ? trimmed : String(trimmed.prefix(limit)) + "…"
    }
}
