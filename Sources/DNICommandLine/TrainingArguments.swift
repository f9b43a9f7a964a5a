import ArgumentParser
import DNI
import Linalg

/// The task a command trains on.
enum TaskName: String, ExpressibleByArgument, CaseIterable {
    case addition
    case mnist
    case cifar10
    case copy
    case repeatCopy = "repeat-copy"
    case text
}

/// Options shared by `dni train` and `dni compare`. Unset options take the task's defaults.
struct TrainingArguments: ParsableArguments {
    @Option(help: "The task: \(TaskName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var task: TaskName = .addition

    @Option(help: ArgumentHelp(TrainingHelp.bits))
    var bits: Int?

    @Option(help: ArgumentHelp(TrainingHelp.network))
    var network: MNISTNetwork?

    @Option(help: ArgumentHelp(TrainingHelp.layers))
    var layers: Int?

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(TrainingHelp.synthesizerNormalizedTargets))
    var synthesizerNormalizedTargets: Bool?

    @Option(help: "MNIST, dni and cdni: update (DNI's update unlock) or forward (the complete unlock: each stage above the first also trains from a synthetic input I(x); fully connected or cnn, sequential or pipelined, delay 1). (default: update)")
    var unlock: UnlockMode?

    @Option(help: "MNIST: directory with the IDX files (default: $DNI_DATA, then the bundled subset); cifar10: directory with the binary batch files (required).")
    var data: String?

    @Option(help: ArgumentHelp(TrainingHelp.examples))
    var examples: Int?

    @Option(help: ArgumentHelp(TrainingHelp.testExamples))
    var testExamples: Int?

    @Option(help: ArgumentHelp(TrainingHelp.hidden))
    var hidden: String?

    @Option(help: ArgumentHelp(TrainingHelp.batchSize))
    var batchSize: Int?

    @Option(help: ArgumentHelp(TrainingHelp.learningRate))
    var learningRate: Float?

    @Option(help: ArgumentHelp(TrainingHelp.synthesizerLearningRate))
    var synthesizerLearningRate: Float?

    @Option(help: ArgumentHelp(TrainingHelp.synthesizerHiddenLayers))
    var synthesizerHiddenLayers: Int?

    @Option(help: ArgumentHelp(TrainingHelp.synthesizerHiddenSize))
    var synthesizerHiddenSize: Int?

    @Option(help: ArgumentHelp(TrainingHelp.synthesizerInit))
    var synthesizerInit: SynthesizerInitialization?

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(TrainingHelp.synthesizerBias))
    var synthesizerBias: Bool?

    @Option(help: ArgumentHelp(TrainingHelp.optimizer))
    var optimizer: OptimizerKind?

    @Option(help: ArgumentHelp(TrainingHelp.synthesizerOptimizer))
    var synthesizerOptimizer: OptimizerKind?

    @Option(help: ArgumentHelp(TrainingHelp.decayEpochs))
    var decayEpochs: String?

    @Option(help: ArgumentHelp(TrainingHelp.epochs))
    var epochs: Int?

    @Option(help: ArgumentHelp(TrainingHelp.updateProbability))
    var updateProbability: Double?

    @Option(help: ArgumentHelp(TrainingHelp.probeEvery))
    var probeEvery: Int?

    @Option(help: "Stop after N timed training steps (throughput measurements).")
    var steps: Int?

    @Option(help: "Untimed warm-up steps before the timed ones (throughput measurements).")
    var warmup: Int = 0

    @Option(help: "Threads for matrix products (default: every core; also DNI_GEMM_THREADS).")
    var threads: Int?

    @Option(help: "Seed of data, weights and shuffling.")
    var seed: UInt64 = 1

    @Flag(help: "Write JSON Lines (a data line, one object per epoch, then a summary) instead of text.")
    var json = false

    @Flag(help: "Print the resolved configuration (every setting, defaults filled in) as JSON and exit.")
    var printConfig = false

    @OptionGroup(title: "Execution") var execution: ExecutionArguments

    @OptionGroup(title: "Recurrent tasks (copy, repeat-copy, text)") var recurrent: RecurrentArguments

    /// The addition experiment for `method` with every given option applied.
    func additionExperiment(method: TrainingMethod, seed: UInt64? = nil) throws -> AdditionExperiment {
        var experiment = AdditionExperiment(method: method)
        experiment.seed = seed ?? self.seed
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

    /// The MNIST experiment for `method` with every given option applied (on `network`, default
    /// fully connected; CIFAR-10 uses the same experiment with the CNN by default).
    func mnistExperiment(method: TrainingMethod, seed: UInt64? = nil, defaultNetwork: MNISTNetwork = .fc) throws -> MNISTExperiment {
        if bits != nil { throw InputError("--bits applies to --task addition only") }
        var experiment = MNISTExperiment(method: method, network: network ?? defaultNetwork)
        if let unlock { experiment.unlock = unlock }
        if let synthesizerNormalizedTargets { experiment.normalizesSynthesizerTargets = synthesizerNormalizedTargets }
        experiment.seed = seed ?? self.seed
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
        if let decayEpochs {
            experiment.learningRateDecayEpochs = decayEpochs == "none" ? [] : try parseSizes(decayEpochs, flag: "--decay-epochs")
        }
        if let epochs {
            guard epochs >= 1 else { throw InputError("--epochs must be at least 1, got \(epochs)") }
            experiment.epochs = epochs
        }
        if let updateProbability { experiment.updateProbability = updateProbability }
        if let probeEvery, probeEvery < 0 { throw InputError("--probe-every must be 0 (off) or more, got \(probeEvery)") }
    }

    /// Where and how the stages run: `--execution`, `--delay`, `--stage-groups`,
    /// `--micro-batches` and `--threads`.
    func executionSettings() throws -> ExecutionSettings {
        if let threads, !(1...256).contains(threads) { throw InputError("--threads must be in 1...256, got \(threads)") }
        return try execution.settings(threads: threads)
    }

    /// Validated experiments for every method and seed (seed-major), with the MNIST data loaded
    /// once, and the description of the data they train on.
    func plans(for methods: [TrainingMethod], seeds: [UInt64]? = nil) throws -> (plans: [ExperimentPlan], data: DataDescription) {
        let seeds = seeds ?? [seed]
        if !task.isRecurrent, let flag = recurrent.namesRecurrentOption {
            throw InputError("\(flag) applies to the recurrent tasks (copy, repeat-copy, text), not --task \(task.rawValue)")
        }
        // MNIST and CIFAR-10 always test on their whole test set (the recurrent tasks refuse it below).
        if (task == .mnist || task == .cifar10) && testExamples != nil {
            throw InputError("--test-examples applies to --task addition; --task \(task.rawValue) tests on its whole test set")
        }
        switch task {
        case .addition:
            if layers != nil { throw InputError("--layers applies to --task mnist; use --hidden 128,64 for addition") }
            if network != nil { throw InputError("--network applies to --task mnist and cifar10 only") }
            if unlock != nil { throw InputError("--unlock applies to --task mnist and cifar10 only") }
            if synthesizerNormalizedTargets != nil {
                throw InputError("--synthesizer-normalized-targets applies to --task mnist and cifar10 with --network cnn")
            }
            if data != nil { throw InputError("--data applies to --task mnist only") }
            let experiments = try seeds.flatMap { seed in try methods.map { try additionExperiment(method: $0, seed: seed) } }
            return (experiments.map { .addition($0) }, DataDescription(addition: experiments[0]))
        case .mnist:
            let experiments = try seeds.flatMap { seed in try methods.map { try mnistExperiment(method: $0, seed: seed) } }
            let source = MNISTSource.resolve(dataFlag: data)
            let mnist = try MNISTDataset.load(from: source)
            let available = mnist.training.labels.count
            if let examples, examples > available {
                throw InputError("--examples \(examples) is more than the \(available) training images of the \(source)")
            }
            let description = DataDescription(mnist: mnist, source: source, trainingExamples: min(examples ?? available, available))
            return (experiments.map { .mnist($0, mnist) }, description)
        case .cifar10:
            let experiments = try seeds.flatMap { seed in
                try methods.map { try mnistExperiment(method: $0, seed: seed, defaultNetwork: .cnn) }
            }
            guard let data else { throw InputError("--task cifar10 needs --data DIR, the directory of the CIFAR-10 binary batch files") }
            var cifar = try CIFAR10Dataset.load(directoryPath: data).dataset()
            let available = cifar.trainCount
            if let examples {
                guard examples <= available else {
                    throw InputError("--examples \(examples) is more than the \(available) training images in \(data)")
                }
                var subset = Matrix.empty
                subset.gatherRows(0..<examples, of: cifar.trainInputs)
                cifar.trainInputs = subset
                subset = .empty
                subset.gatherRows(0..<examples, of: cifar.trainTargets)
                cifar.trainTargets = subset
            }
            let description = DataDescription(cifar10: cifar, directory: data, availableTrainingExamples: available)
            return (experiments.map { .images($0, cifar, CIFAR10Split.imageShape) }, description)
        case .copy, .repeatCopy, .text:
            if network != nil { throw InputError("--network applies to --task mnist and cifar10 only") }
            if unlock != nil { throw InputError("--unlock applies to --task mnist and cifar10 only") }
            if synthesizerNormalizedTargets != nil {
                throw InputError("--synthesizer-normalized-targets applies to --task mnist and cifar10 with --network cnn")
            }
            return try recurrentPlans(for: methods, seeds: seeds)
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
    /// The MNIST experiment's networks on another image set (CIFAR-10), rows of `shape`.
    case images(MNISTExperiment, Dataset, SpatialShape)
    case recurrent(RecurrentPlan)

    var method: TrainingMethod {
        switch self {
        case .addition(let experiment): experiment.method
        case .mnist(let experiment, _), .images(let experiment, _, _): experiment.method
        case .recurrent(let plan): plan.experiment.method
        }
    }

    var epochs: Int {
        switch self {
        case .addition(let experiment): experiment.epochs
        case .mnist(let experiment, _), .images(let experiment, _, _): experiment.epochs
        case .recurrent: 1
        }
    }

    /// The run's seed.
    var seed: UInt64 {
        switch self {
        case .addition(let experiment): experiment.seed
        case .mnist(let experiment, _), .images(let experiment, _, _): experiment.seed
        case .recurrent(let plan): plan.experiment.seed
        }
    }

    /// The probe interval of this run: `--probe-every` if given (0: never), else four probes per
    /// epoch for methods with synthesizers when `probesByDefault` (``ProbeSchedule``).
    func probeEvery(arguments: TrainingArguments, probesByDefault: Bool) -> Int? {
        if case .recurrent(let plan) = self { return plan.experiment.probeEvery }
        let (examples, batchSize) = switch self {
        case .addition(let experiment): (experiment.trainCount, experiment.batchSize)
        case .mnist(let experiment, let mnist): (experiment.trainLimit.map { min($0, mnist.training.labels.count) }
                                                    ?? mnist.training.labels.count, experiment.batchSize)
        case .images(let experiment, let data, _): (data.trainCount, experiment.batchSize)
        case .recurrent(let plan): (plan.experiment.batchSize, plan.experiment.batchSize)
        }
        return ProbeSchedule.interval(requested: arguments.probeEvery, probesByDefault: probesByDefault, method: method,
                                      trainingExamples: examples, batchSize: batchSize)
    }

    func run(arguments: TrainingArguments, probeEvery: Int?, execution: ExecutionSettings,
             interruptMonitor: InterruptMonitor? = nil, checkpoints: CheckpointPlan = CheckpointPlan(),
             onEvent: (TrainingEvent) -> Void) throws -> TrainingSummary {
        switch self {
        case .addition(let experiment):
            try experiment.run(probeEvery: probeEvery, maxSteps: arguments.steps, warmupSteps: arguments.warmup,
                               execution: execution, interruptMonitor: interruptMonitor, checkpoints: checkpoints,
                               onEvent: onEvent)
        case .mnist(let experiment, let mnist):
            try experiment.run(on: mnist, probeEvery: probeEvery, maxSteps: arguments.steps,
                               warmupSteps: arguments.warmup, execution: execution, interruptMonitor: interruptMonitor,
                               checkpoints: checkpoints, onEvent: onEvent)
        case .images(let experiment, let data, let shape):
            try experiment.run(on: data, imageShape: shape, probeEvery: probeEvery, maxSteps: arguments.steps,
                               warmupSteps: arguments.warmup, execution: execution, interruptMonitor: interruptMonitor,
                               checkpoints: checkpoints, onEvent: onEvent)
        case .recurrent(let plan):
            try plan.run(arguments: arguments, execution: execution, interruptMonitor: interruptMonitor,
                         checkpoints: checkpoints, onEvent: onEvent)
        }
    }
}

/// How a synthesizer's last layer starts.
enum SynthesizerInitialization: String, ExpressibleByArgument, CaseIterable {
    case zero, random
}

extension TrainingMethod: ExpressibleByArgument {}
extension MNISTNetwork: ExpressibleByArgument {}
extension UnlockMode: ExpressibleByArgument {}
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
