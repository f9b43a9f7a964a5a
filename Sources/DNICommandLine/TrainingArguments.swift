import ArgumentParser
import DNI
import Linalg

/// The task a command trains on.
enum TaskName: String, ExpressibleByArgument, CaseIterable {
    case addition
    case mnist
}

/// Options shared by `dni train` and `dni compare`. Unset options take the task's defaults.
struct TrainingArguments: ParsableArguments {
    @Option(help: "The task: \(TaskName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var task: TaskName = .addition

    @Option(help: "Addition: bits per operand and sum (the post: 8 or 12).")
    var bits: Int?

    @Option(help: "MNIST: number of hidden layers (the paper: 3 to 6).")
    var layers: Int?

    @Option(help: "MNIST: directory with the IDX files (default: $DNI_DATA, then the bundled subset).")
    var data: String?

    @Option(help: "Number of training examples (addition: generated; MNIST: the first N).")
    var examples: Int?

    @Option(help: "Number of held-out test examples (addition).")
    var testExamples: Int?

    @Option(help: "Hidden layer sizes, comma-separated (addition, e.g. 128,64); MNIST: units per hidden layer.")
    var hidden: String?

    @Option(help: "Examples per training step.")
    var batchSize: Int?

    @Option(help: "Learning rate of the network's stages.")
    var learningRate: Float?

    @Option(help: "Learning rate of the synthesizers.")
    var synthesizerLearningRate: Float?

    @Option(help: "Hidden layers in each synthesizer (0: the post's linear synthesizer).")
    var synthesizerHiddenLayers: Int?

    @Option(help: "Units per synthesizer hidden layer.")
    var synthesizerHiddenSize: Int?

    @Option(help: "Synthesizer output layer initialisation: zero (the paper) or random (the post).")
    var synthesizerInit: SynthesizerInitialization?

    @Flag(inversion: .prefixedNo, help: "Give each synthesizer layer a bias (default: yes).")
    var synthesizerBias: Bool?

    @Option(help: "Optimizer: sgd, momentum or adam.")
    var optimizer: OptimizerKind?

    @Option(help: "Optimizer of the synthesizers (default: the same as --optimizer).")
    var synthesizerOptimizer: OptimizerKind?

    @Option(help: "Multiply the learning rate by 0.1 at the start of these epochs (comma-separated).")
    var decayEpochs: String?

    @Option(help: "Passes over the training set.")
    var epochs: Int?

    @Option(help: "Probability that a stage applies its update on each step (0 < p ≤ 1).")
    var updateProbability: Double?

    @Option(help: "Log synthetic-gradient quality (cosine, norm ratio) every N steps.")
    var probeEvery: Int?

    @Option(help: "Stop after N timed training steps (throughput measurements).")
    var steps: Int?

    @Option(help: "Untimed warm-up steps before the timed ones (throughput measurements).")
    var warmup: Int = 0

    @Option(help: "Threads for matrix products (default: every core; also DNI_GEMM_THREADS).")
    var threads: Int?

    @Option(help: "Seed of data, weights and shuffling.")
    var seed: UInt64 = 1

    @Flag(help: "Write JSON Lines (one object per epoch, then a summary) instead of text.")
    var json = false

    /// The addition experiment for `method` with every given option applied.
    func additionExperiment(method: TrainingMethod) throws -> AdditionExperiment {
        var experiment = AdditionExperiment(method: method)
        experiment.seed = seed
        if let bits { experiment.bits = bits }
        if let examples {
            guard examples >= 1 else { throw InputError("--examples must be at least 1, got \(examples)") }
            experiment.trainCount = examples
        }
        if let testExamples {
            guard testExamples >= 1 else { throw InputError("--test-examples must be at least 1, got \(testExamples)") }
            experiment.testCount = testExamples
        }
        if let hidden { experiment.hiddenSizes = try parseSizes(hidden, flag: "--hidden") }
        if let batchSize {
            guard batchSize >= 1 else { throw InputError("--batch-size must be at least 1, got \(batchSize)") }
            guard batchSize <= experiment.trainCount else {
                throw InputError("--batch-size \(batchSize) is larger than the training set (\(experiment.trainCount) examples)")
            }
            experiment.batchSize = batchSize
        }
        try applySharedOptions(to: &experiment)
        try experiment.validate()
        return experiment
    }

    /// The MNIST experiment for `method` with every given option applied.
    func mnistExperiment(method: TrainingMethod) throws -> MNISTExperiment {
        if bits != nil { throw InputError("--bits applies to --task addition only") }
        var experiment = MNISTExperiment(method: method)
        experiment.seed = seed
        if let layers { experiment.layers = layers }
        if let examples { experiment.trainLimit = examples }
        if let hidden {
            let sizes = try parseSizes(hidden, flag: "--hidden")
            guard sizes.count == 1 else { throw InputError("--hidden takes one width for MNIST; set the depth with --layers") }
            experiment.hiddenSize = sizes[0]
        }
        if let batchSize {
            guard batchSize >= 1 else { throw InputError("--batch-size must be at least 1, got \(batchSize)") }
            experiment.batchSize = batchSize
        }
        try applySharedOptions(to: &experiment)
        try experiment.validate()
        return experiment
    }

    /// Applies the options both tasks share (optimizers, synthesizers, schedule) to `experiment`.
    func applySharedOptions<Experiment: TrainableExperiment>(to experiment: inout Experiment) throws {
        if let learningRate { experiment.learningRate = learningRate }
        if let synthesizerLearningRate { experiment.synthesizer.learningRate = synthesizerLearningRate }
        if let synthesizerHiddenLayers {
            guard (0...8).contains(synthesizerHiddenLayers) else {
                throw InputError("--synthesizer-hidden-layers must be in 0...8, got \(synthesizerHiddenLayers)")
            }
            experiment.synthesizer.hiddenLayers = synthesizerHiddenLayers
        }
        if let synthesizerHiddenSize {
            guard synthesizerHiddenSize >= 1 else {
                throw InputError("--synthesizer-hidden-size must be at least 1, got \(synthesizerHiddenSize)")
            }
            experiment.synthesizer.hiddenSize = synthesizerHiddenSize
        }
        if let synthesizerInit { experiment.synthesizer.zeroInitialization = synthesizerInit == .zero }
        if let synthesizerBias { experiment.synthesizer.bias = synthesizerBias }
        if let optimizer { experiment.optimizer = optimizer }
        if let synthesizerOptimizer { experiment.synthesizer.optimizer = synthesizerOptimizer }
        if let decayEpochs { experiment.learningRateDecayEpochs = try parseSizes(decayEpochs, flag: "--decay-epochs") }
        if let epochs {
            guard epochs >= 1 else { throw InputError("--epochs must be at least 1, got \(epochs)") }
            experiment.epochs = epochs
        }
        if let updateProbability { experiment.updateProbability = updateProbability }
        if let probeEvery, probeEvery < 1 { throw InputError("--probe-every must be at least 1, got \(probeEvery)") }
    }

    /// The matrix-multiply engine: `DNI_GEMM`'s kernel with `--threads` threads.
    func engine() throws -> GEMMEngine {
        guard let threads else { return .default }
        guard (1...256).contains(threads) else { throw InputError("--threads must be in 1...256, got \(threads)") }
        return GEMMEngine(named: environmentValue("DNI_GEMM"), threads: threads)
    }

    /// Validated experiments for `methods`, with the MNIST data loaded once.
    func plans(for methods: [TrainingMethod]) throws -> [ExperimentPlan] {
        switch task {
        case .addition:
            if layers != nil { throw InputError("--layers applies to --task mnist; use --hidden 128,64 for addition") }
            if data != nil { throw InputError("--data applies to --task mnist only") }
            return try methods.map { .addition(try additionExperiment(method: $0)) }
        case .mnist:
            let experiments = try methods.map { try mnistExperiment(method: $0) }
            let mnist = try MNISTDataset.load(directory: data)
            return experiments.map { .mnist($0, mnist) }
        }
    }
}

/// The settings that `dni train` can change on every task.
protocol TrainableExperiment {
    var learningRate: Float { get set }
    var synthesizer: SynthesizerConfiguration { get set }
    var optimizer: OptimizerKind { get set }
    var learningRateDecayEpochs: [Int] { get set }
    var epochs: Int { get set }
    var updateProbability: Double { get set }
}

extension AdditionExperiment: TrainableExperiment {}
extension MNISTExperiment: TrainableExperiment {}

/// One configured run of either task.
enum ExperimentPlan {
    case addition(AdditionExperiment)
    case mnist(MNISTExperiment, MNISTDataset)

    var method: TrainingMethod {
        switch self {
        case .addition(let experiment): experiment.method
        case .mnist(let experiment, _): experiment.method
        }
    }

    var epochs: Int {
        switch self {
        case .addition(let experiment): experiment.epochs
        case .mnist(let experiment, _): experiment.epochs
        }
    }

    func run(arguments: TrainingArguments, engine: GEMMEngine, interruptMonitor: InterruptMonitor? = nil,
             onEvent: (TrainingEvent) -> Void) throws -> TrainingSummary {
        switch self {
        case .addition(let experiment):
            try experiment.run(probeEvery: arguments.probeEvery, maxSteps: arguments.steps, warmupSteps: arguments.warmup,
                               engine: engine, interruptMonitor: interruptMonitor, onEvent: onEvent)
        case .mnist(let experiment, let mnist):
            try experiment.run(on: mnist, probeEvery: arguments.probeEvery, maxSteps: arguments.steps,
                               warmupSteps: arguments.warmup, engine: engine, interruptMonitor: interruptMonitor,
                               onEvent: onEvent)
        }
    }
}

/// How a synthesizer's last layer starts.
enum SynthesizerInitialization: String, ExpressibleByArgument, CaseIterable {
    case zero, random
}

extension TrainingMethod: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}

/// Parses `"128,64"` into positive sizes, or throws an ``InputError`` naming `flag`.
func parseSizes(_ text: String, flag: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    var sizes: [Int] = []
    for part in parts {
        let trimmed = part.trimmingWhitespace()
        guard let size = Int(trimmed), size >= 1 else {
            throw InputError("\(flag) takes positive integers separated by commas; '\(trimmed)' in '\(text)' is not one")
        }
        sizes.append(size)
    }
    guard !sizes.isEmpty else { throw InputError("\(flag) needs at least one size") }
    return sizes
}

extension Substring {
    /// The text without leading and trailing spaces.
    func trimmingWhitespace() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
