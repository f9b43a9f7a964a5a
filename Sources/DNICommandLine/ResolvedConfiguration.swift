import DNI

/// Every setting of one planned run with the defaults filled in, as `--print-config` prints it:
/// a JSON object with its keys in a fixed order, two-space indented, so documentation can quote
/// it and a test can compare the quote with the code.
struct ResolvedConfiguration {
    /// A JSON value: a leaf of ``JSONLine``'s kinds, a list of integers, or a nested object.
    indirect enum Value {
        case leaf(JSONLine.Value)
        case integers([Int])
        case object([(String, Value)])
    }

    /// The top-level fields, in output order.
    let fields: [(String, Value)]

    /// The configuration of `plan`, probing every `probeEvery` steps (nil: never), on `data`,
    /// run as `execution` says. Execution values left to the run (null) are chosen when it starts:
    /// the delay and micro-batches from the execution kind, the stage groups by measured cost, the
    /// threads from `DNI_GEMM_THREADS` or the core count.
    init(plan: ExperimentPlan, probeEvery: Int?, data: DataDescription, arguments: TrainingArguments,
         execution: ExecutionSettings) {
        var fields: [(String, Value)] = [("task", .leaf(.string(data.task.rawValue))),
                                         ("method", .leaf(.string(plan.method.rawValue))),
                                         ("seed", .leaf(.integer(Int(truncatingIfNeeded: plan.seed))))]
        var dataFields: [(String, Value)] = [("source", .leaf(.string(data.directory == nil ? data.source : "directory")))]
        if let directory = data.directory { dataFields.append(("directory", .leaf(.string(directory)))) }
        dataFields += [("train_examples", .leaf(.integer(data.trainingExamples))),
                       ("test_examples", .leaf(.integer(data.testExamples)))]
        fields.append(("data", .object(dataFields)))
        switch plan {
        case .addition(let experiment):
            fields += [("bits", .leaf(.integer(experiment.bits))),
                       ("hidden_sizes", .integers(experiment.hiddenSizes)),
                       ("batch_size", .leaf(.integer(experiment.batchSize)))]
            fields += Self.shared(experiment)
        case .mnist(let experiment, _), .images(let experiment, _, _):
            // Only the CNN names its network, so the fully connected configuration reads as before.
            if experiment.network != .fc { fields.append(("network", .leaf(.string(experiment.network.rawValue)))) }
            if experiment.unlock != .update { fields.append(("unlock", .leaf(.string(experiment.unlock.rawValue)))) }
            fields += [("layers", .leaf(.integer(experiment.layers))),
                       ("hidden_size", .leaf(.integer(experiment.hiddenSize))),
                       ("batch_size", .leaf(.integer(experiment.batchSize)))]
            // Only the CNN's synthesizers normalize their targets, so only its configuration says so.
            let normalized: [(String, Value)] = experiment.network == .cnn
                ? [("normalized_targets", .leaf(.bool(experiment.normalizesSynthesizerTargets)))] : []
            fields += Self.shared(experiment, synthesizerFields: normalized)
        case .recurrent(let plan):
            let experiment = plan.experiment
            fields += [("truncation", .leaf(.integer(experiment.truncation))),
                       ("hidden_size", .leaf(.integer(experiment.hiddenSize))),
                       ("batch_size", .leaf(.integer(experiment.batchSize))),
                       ("windows", .leaf(.integer(experiment.windows))),
                       ("optimizer", .leaf(.string("adam"))),
                       ("learning_rate", Self.number(experiment.learningRate)),
                       ("synthetic_gradient_scale", Self.number(experiment.syntheticGradientScale)),
                       ("auxiliary_weight", experiment.auxiliary ? Self.number(experiment.auxiliaryWeight) : .leaf(.null)),
                       ("synthesizer", .object([
                           ("hidden_layers", .leaf(.integer(experiment.synthesizerHiddenLayers))),
                           ("hidden_size", .leaf(.integer(experiment.synthesizerHiddenSize))),
                           ("initialization", .leaf(.string("zero"))),
                           ("learning_rate", Self.number(experiment.synthesizerLearningRate)),
                           ("optimizer", .leaf(.string("adam"))),
                       ] + (experiment.synthesizerRank.map { [("rank", .leaf(.integer($0)))] } ?? [])))]
        }
        func optional(_ value: Int?) -> Value { .leaf(value.map { .integer($0) } ?? .null) }
        fields.append(("execution", .object([
            ("kind", .leaf(.string(execution.kind.rawValue))),
            ("delay", optional(execution.delay)),
            ("stage_groups", execution.stageGroups.map { .integers($0) } ?? optional(execution.groupCount)),
            ("micro_batches", optional(execution.microBatches)),
            ("threads", optional(execution.threads)),
        ])))
        fields.append(("probe_every", .leaf(probeEvery.map { .integer($0) } ?? .null)))
        fields.append(("steps", .leaf(arguments.steps.map { .integer($0) } ?? .null)))
        fields.append(("warmup_steps", .leaf(.integer(arguments.warmup))))
        self.fields = fields
    }

    /// The fields both tasks have: schedule, optimizer and synthesizers (`synthesizerFields`
    /// appended to the synthesizer's own).
    static func shared(_ experiment: any TrainableExperiment, synthesizerFields: [(String, Value)] = []) -> [(String, Value)] {
        let synthesizer = experiment.synthesizer
        return [
            ("epochs", .leaf(.integer(experiment.epochs))),
            ("optimizer", .leaf(.string(experiment.optimizer.rawValue))),
            ("learning_rate", number(experiment.learningRate)),
            ("learning_rate_decay_epochs", .integers(experiment.learningRateDecayEpochs)),
            ("learning_rate_decay", number(TrainingOptions(epochs: 1, batchSize: 1).learningRateDecay)),
            ("update_probability", .leaf(.number(experiment.updateProbability))),
            ("synthesizer", .object([
                ("hidden_layers", .leaf(.integer(synthesizer.hiddenLayers))),
                ("hidden_size", .leaf(.integer(synthesizer.hiddenSize))),
                ("bias", .leaf(.bool(synthesizer.bias))),
                ("initialization", .leaf(.string(synthesizer.zeroInitialization ? "zero" : "random"))),
                ("batch_normalization", .leaf(.bool(synthesizer.batchNormalization))),
                ("learning_rate", number(synthesizer.learningRate)),
                ("optimizer", .leaf(.string((synthesizer.optimizer ?? experiment.optimizer).rawValue))),
            ] + synthesizerFields)),
        ]
    }

    /// A Float as the shortest decimal that reads back as it (`0.001`, not `0.0010000000474974513`).
    static func number(_ value: Float) -> Value {
        .leaf(.number(Double("\(value)") ?? Double(value)))
    }

    /// The JSON text, two-space indented.
    var json: String {
        Self.render(.object(fields), indent: "")
    }

    static func render(_ value: Value, indent: String) -> String {
        switch value {
        case .leaf(.string(let text)):
            return quoted(text)
        case .leaf(.integer(let number)):
            return String(number)
        case .leaf(.number(let number)):
            guard number.isFinite else { return "null" }
            return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : "\(number)"
        case .leaf(.bool(let flag)):
            return flag ? "true" : "false"
        case .leaf(.integers(let values)), .integers(let values):
            return "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .leaf(.null):
            return "null"
        case .object(let fields):
            let inner = indent + "  "
            let body = fields.map { key, value in "\(inner)\(quoted(key)): \(render(value, indent: inner))" }
            return "{\n" + body.joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    /// `text` as a JSON string (quotes, backslashes and control characters escaped).
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
