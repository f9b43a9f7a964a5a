import DNI

/// The defaults that `dni train --help` shows, read from the experiment types themselves
/// (``AdditionExperiment`` and ``MNISTExperiment`` initialised for each method), so the help can
/// never disagree with what a run uses.
enum TaskDefaults {
    /// How a default reads for the tasks that have it:
    /// `"80 for addition, 10 for mnist"`, `"0.5 for addition (dni: 0.05), 0.001 for mnist (dni: 0.0003)"`,
    /// or just `"1"` when every task and method agrees. A nil closure means the option does not
    /// apply to that task.
    static func text(addition: ((AdditionExperiment) -> String)?, mnist: ((MNISTExperiment) -> String)?) -> String {
        var parts: [(task: TaskName, text: String)] = []
        if let addition { parts.append((.addition, perTask { addition(AdditionExperiment(method: $0)) })) }
        if let mnist { parts.append((.mnist, perTask { mnist(MNISTExperiment(method: $0)) })) }
        if Set(parts.map(\.text)).count == 1 { return parts[0].text }
        return parts.map { "\($0.text) for \($0.task.rawValue)" }.joined(separator: ", ")
    }

    /// The same default for both tasks, read from each.
    static func text(_ value: @escaping (any TrainableExperiment) -> String) -> String {
        text(addition: { value($0) }, mnist: { value($0) })
    }

    /// The backprop default, followed by the methods whose default differs: `"0.5 (dni: 0.05)"`.
    static func perTask(methods: [TrainingMethod] = TrainingMethod.allCases, _ value: (TrainingMethod) -> String) -> String {
        let base = value(.backprop)
        var exceptions: [(value: String, methods: [String])] = []
        for method in methods where value(method) != base {
            let text = value(method)
            if let index = exceptions.firstIndex(where: { $0.value == text }) {
                exceptions[index].methods.append(method.rawValue)
            } else {
                exceptions.append((text, [method.rawValue]))
            }
        }
        guard !exceptions.isEmpty else { return base }
        let notes = exceptions.map { "\($0.methods.joined(separator: ", ")): \($0.value)" }
        return "\(base) (\(notes.joined(separator: "; ")))"
    }

    /// `"default: …"` in parentheses, the ending of an option's help line.
    static func suffix(_ text: String) -> String {
        " (default: \(text))"
    }

    /// What `--network cnn` changes among the MNIST defaults, read from ``MNISTExperiment``:
    /// `--hidden 64 --synthesizer-hidden-layers 2 …` (with a method's exceptions in parentheses).
    static var cnnDefaults: String {
        let methods = TrainingMethod.allCases.filter { ConvolutionalArchitecture().supports($0) }
        let settings: [(flag: String, value: (MNISTExperiment) -> String)] = [
            ("--layers", { String($0.layers) }), ("--hidden", { String($0.hiddenSize) }),
            ("--batch-size", { String($0.batchSize) }), ("--epochs", { String($0.epochs) }),
            ("--optimizer", { $0.optimizer.rawValue }), ("--learning-rate", { "\($0.learningRate)" }),
            ("--decay-epochs", { list($0.learningRateDecayEpochs) }),
            ("--synthesizer-hidden-layers", { String($0.synthesizer.hiddenLayers) }),
            ("--synthesizer-hidden-size", { String($0.synthesizer.hiddenSize) }),
            ("--synthesizer-learning-rate", { "\($0.synthesizer.learningRate)" }),
        ]
        return settings.map { setting in
            setting.flag + " " + perTask(methods: methods) { setting.value(MNISTExperiment(method: $0, network: .cnn)) }
        }.joined(separator: " ")
    }

    /// A comma-separated list, or `none` when empty.
    static func list(_ values: [Int]) -> String {
        values.isEmpty ? "none" : values.map(String.init).joined(separator: ",")
    }
}

/// Help lines for the training options, each ending with its per-task default.
enum TrainingHelp {
    static let bits = "Addition: bits per operand and sum (the post: 8 or 12)."
        + TaskDefaults.suffix(TaskDefaults.text(addition: { String($0.bits) }, mnist: nil))
    static let network = "MNIST: the network, fc (fully connected) or cnn (the paper's CNN: per stage a 5×5 convolution, "
        + "batch norm, ReLU and 3×3 max pooling; --layers counts its convolutional stages, --hidden its filters)."
        + TaskDefaults.suffix("fc; cnn sets " + TaskDefaults.cnnDefaults)
    static let layers = "MNIST: number of hidden layers (the paper: 3 to 6)."
        + TaskDefaults.suffix(TaskDefaults.text(addition: nil, mnist: { String($0.layers) }))
    static let examples = "Number of training examples (addition: generated; MNIST: the first N)."
        + TaskDefaults.suffix(TaskDefaults.text(
            addition: { String($0.trainCount) },
            mnist: { $0.trainLimit.map(String.init) ?? "every training image" }))
    static let testExamples = "Number of held-out test examples (addition)."
        + TaskDefaults.suffix(TaskDefaults.text(addition: { String($0.testCount) }, mnist: nil))
    static let hidden = "Hidden layer sizes, comma-separated (addition, e.g. 128,64); MNIST: units per hidden layer."
        + TaskDefaults.suffix(TaskDefaults.text(
            addition: { TaskDefaults.list($0.hiddenSizes) }, mnist: { String($0.hiddenSize) }))
    static let batchSize = "Examples per training step."
        + TaskDefaults.suffix(TaskDefaults.text(addition: { String($0.batchSize) }, mnist: { String($0.batchSize) }))
    static let learningRate = "Learning rate of the network's stages."
        + TaskDefaults.suffix(TaskDefaults.text { "\($0.learningRate)" })
    static let synthesizerLearningRate = "Learning rate of the synthesizers."
        + TaskDefaults.suffix(TaskDefaults.text { "\($0.synthesizer.learningRate)" })
    static let synthesizerHiddenLayers = "Hidden layers in each synthesizer (0: the post's linear synthesizer)."
        + TaskDefaults.suffix(TaskDefaults.text { String($0.synthesizer.hiddenLayers) })
    static let synthesizerHiddenSize = "Units per synthesizer hidden layer (used when it has hidden layers)."
        + TaskDefaults.suffix(TaskDefaults.text { String($0.synthesizer.hiddenSize) })
    static let synthesizerInit = "Synthesizer output layer initialisation: zero (the paper) or random (the post)."
        + TaskDefaults.suffix(TaskDefaults.text { $0.synthesizer.zeroInitialization ? "zero" : "random" })
    static let synthesizerNormalizedTargets = "CNN: the convolutional synthesizers regress their targets divided by "
        + "the targets' running scale σ and predict σ·M(h), so that one learning rate suits every stage. (default: yes "
        + "with --network cnn; a fully connected network refuses it)"
    static let synthesizerBias = "Give each synthesizer layer a bias."
        + TaskDefaults.suffix(TaskDefaults.text { $0.synthesizer.bias ? "yes" : "no" })
    static let optimizer = "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))."
        + TaskDefaults.suffix(TaskDefaults.text { $0.optimizer.rawValue })
    static let synthesizerOptimizer = "Optimizer of the synthesizers."
        + TaskDefaults.suffix(TaskDefaults.text { $0.synthesizer.optimizer?.rawValue ?? "the same as --optimizer" })
    static let decayEpochs = "Multiply the learning rate by 0.1 at the start of these epochs (comma-separated; none: never)."
        + TaskDefaults.suffix(TaskDefaults.text { TaskDefaults.list($0.learningRateDecayEpochs) })
    static let epochs = "Passes over the training set."
        + TaskDefaults.suffix(TaskDefaults.text { String($0.epochs) })
    static let updateProbability = "Probability that a stage applies its update on each step (0 < p ≤ 1)."
        + TaskDefaults.suffix(TaskDefaults.text { "\($0.updateProbability)" })
    static let probeEvery = """
        Measure synthetic-gradient quality (cosine, norm ratio) every N steps; 0 turns probes off. \
        (default: off for `train` without --report; for methods with synthesizers in `compare` and \
        `train --report`, \(ProbeSchedule.probesPerEpoch) probes per epoch)
        """
}
