/// One flat JSON object with its keys in insertion order, written as a single line
/// (the JSON Lines contract of docs/reports.md). Non-finite numbers are written as `null`.
public struct JSONLine: Sendable, CustomStringConvertible {
    /// A JSON value of a flat object.
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)
        /// An array of integers, such as the sizes of the stage groups.
        case integers([Int])
        case null
    }

    /// The fields, in output order.
    public private(set) var fields: [(key: String, value: Value)] = []

    /// An object whose first field is `"event": event`.
    public init(event: String) {
        fields.append((key: "event", value: .string(event)))
    }

    /// Appends a field (keys are not deduplicated; callers add each once).
    public mutating func append(_ key: String, _ value: Value) {
        fields.append((key: key, value: value))
    }

    /// Appends a number field, or nothing when `value` is nil.
    public mutating func append(_ key: String, _ value: Double?) {
        if let value { append(key, .number(value)) }
    }

    public var description: String {
        "{" + fields.map { "\(JSONLine.quote($0.key)):\(JSONLine.render($0.value))" }.joined(separator: ",") + "}"
    }

    static func render(_ value: Value) -> String {
        switch value {
        case .string(let text): return quote(text)
        case .integer(let number): return String(number)
        case .number(let number):
            guard number.isFinite else { return "null" }
            if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) }
            return "\(number)"
        case .bool(let flag): return flag ? "true" : "false"
        case .integers(let numbers): return "[" + numbers.map(String.init).joined(separator: ",") + "]"
        case .null: return "null"
        }
    }

    /// `text` as a JSON string literal.
    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension EpochRecord {
    /// The `{"event":"epoch",…}` line, tagged with `method` when given.
    public func jsonLine(method: TrainingMethod? = nil) -> JSONLine {
        var line = JSONLine(event: "epoch")
        if let method { line.append("method", .string(method.rawValue)) }
        line.append("epoch", .integer(epoch))
        line.append("train_loss", trainLoss)
        line.append("test_loss", test.loss)
        line.append("test_accuracy", test.accuracy)
        line.append("test_exact", test.exactAccuracy)
        if test.exactAccuracy != nil { line.append("test_bit_accuracy", test.accuracy) }
        line.append("synthesizer_loss", synthesizerLoss)
        line.append("seconds", seconds)
        line.append("elapsed_seconds", elapsedSeconds)
        return line
    }
}

extension ProbeRecord {
    /// One `{"event":"probe",…}` line per stage, tagged with `method` when given.
    public func jsonLines(method: TrainingMethod? = nil) -> [JSONLine] {
        stages.map { probe in
            var line = JSONLine(event: "probe")
            if let method { line.append("method", .string(method.rawValue)) }
            line.append("epoch", .integer(epoch))
            line.append("step", .integer(step))
            line.append("stage", .integer(probe.stage + 1))
            line.append("cosine", probe.cosine)
            line.append("norm_ratio", probe.normRatio)
            line.append("synthesizer_loss", probe.synthesizerLoss)
            return line
        }
    }
}

extension TrainingSummary {
    /// The closing `{"event":"summary",…}` line.
    public var jsonLine: JSONLine {
        var line = JSONLine(event: "summary")
        line.append("task", .string(task))
        line.append("method", .string(method.rawValue))
        line.append("execution", .string(execution))
        line.append("delay", .integer(delay))
        line.append("stage_groups", .integers(stageGroups))
        if microBatches > 1 { line.append("micro_batches", .integer(microBatches)) }
        line.append("epochs", .integer(epochs))
        line.append("seed", .integer(Int(truncatingIfNeeded: seed)))
        line.append("train_loss", trainLoss)
        line.append("test_loss", test.loss)
        line.append("test_accuracy", test.accuracy)
        line.append("test_exact", test.exactAccuracy)
        if test.exactAccuracy != nil { line.append("test_bit_accuracy", test.accuracy) }
        line.append("seconds", seconds)
        line.append("samples_per_second", samplesPerSecond)
        for statistic in executorStatistics { line.append(statistic.name, statistic.value) }
        line.append("first_epoch_train_loss", firstEpochTrainLoss)
        if firstEpochTrainLoss != nil { line.append("train_loss_rose", .bool(trainLossRose)) }
        for (key, value) in additionalFields.sorted(by: { $0.key < $1.key }) { line.append(key, value) }
        if let parametersSHA256 { line.append("parameters_sha256", .string(parametersSHA256)) }
        return line
    }
}
