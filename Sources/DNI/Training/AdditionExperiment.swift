import Linalg

/// The post's experiment: a sigmoid network 2·bits → 128 → 64 → bits trained on binary
/// addition, with the defaults that `dni train --task addition` uses.
public struct AdditionExperiment: Sendable, Equatable {
    /// Width of each operand and of the sum.
    public var bits = 8
    /// Training problems. The post's 1,000 are memorised, not generalised; with 10,000 (about
    /// 7,400 distinct pairs of the 16,384 at 8 bits) backprop and cDNI get every held-out sum
    /// right for seeds 1–5 (README).
    public var trainCount = 10000
    /// Held-out test problems.
    public var testCount = 1000
    /// Hidden layer widths (the post: 128, 64).
    public var hiddenSizes = [128, 64]
    /// Examples per step.
    public var batchSize = 16
    /// Passes over the training set.
    public var epochs = 80
    /// Epochs (1-based) at whose start every learning rate is multiplied by 0.1.
    public var learningRateDecayEpochs: [Int] = [60]
    /// Stage learning rate.
    public var learningRate: Float = 0.5
    /// The synthesizers: the post's linear map, started at zero as the paper recommends.
    public var synthesizer = SynthesizerConfiguration(hiddenLayers: 0, zeroInitialization: true, learningRate: 0.05)
    /// The optimizer of stages and synthesizers.
    public var optimizer = OptimizerKind.momentum
    /// The training method.
    public var method = TrainingMethod.backprop
    /// Probability that a stage applies its update on a step.
    public var updateProbability = 1.0
    /// Seed of data, weights and shuffling.
    public var seed: UInt64 = 1

    /// The defaults for `method`.
    ///
    /// DNI without labels gets the best settings we found for it (README, "Why DNI stalls"):
    /// a stage learning rate ten times smaller and a synthesizer without bias, which cannot
    /// learn the constant mean-gradient drift that otherwise saturates the sigmoid layers.
    public init(method: TrainingMethod = .backprop) {
        self.method = method
        if method == .dni {
            learningRate = 0.05
            synthesizer.bias = false
        }
    }

    /// The network configuration these settings describe.
    public var networkConfiguration: NetworkConfiguration {
        NetworkConfiguration(
            inputSize: 2 * bits, hiddenSizes: hiddenSizes, outputSize: bits,
            hiddenActivation: .sigmoid, outputActivation: .sigmoid,
            initialization: .glorot, method: method, optimizer: optimizer,
            learningRate: learningRate, synthesizer: synthesizer,
            updateProbability: updateProbability, seed: seed)
    }

    /// Checks the values a user can set, throwing ``InputError`` naming the flag.
    public func validate() throws {
        guard (1...30).contains(bits) else { throw InputError("--bits must be in 1...30, got \(bits)") }
        guard hiddenSizes.allSatisfy({ $0 >= 1 }) else {
            throw InputError("--hidden sizes must be positive integers, got \(hiddenSizes.map(String.init).joined(separator: ","))")
        }
        guard learningRate > 0, learningRate.isFinite else { throw InputError("--learning-rate must be positive, got \(learningRate)") }
        guard synthesizer.learningRate > 0, synthesizer.learningRate.isFinite else {
            throw InputError("--synthesizer-learning-rate must be positive, got \(synthesizer.learningRate)")
        }
        guard updateProbability > 0, updateProbability <= 1 else {
            throw InputError("--update-probability must be in (0, 1], got \(updateProbability)")
        }
        var settings = "--hidden \(hiddenSizes.map(String.init).joined(separator: ",")) --batch-size \(batchSize) "
            + "--examples \(trainCount) --test-examples \(testCount) --bits \(bits)"
        if method.usesSynthesizers {
            settings += " --synthesizer-hidden-layers \(synthesizer.hiddenLayers) --synthesizer-hidden-size \(synthesizer.hiddenSize)"
        }
        let dataElements = (Double(trainCount) + Double(testCount)) * Double(3 * bits)
        try MemoryBudget.check(bytes: MemoryBudget.estimatedBytes(networkConfiguration, batchSize: batchSize,
                                                                  dataElements: dataElements),
                               settings: settings)
    }

    /// Generates the data, builds the network and trains it, reporting to `onEvent`.
    public func run(probeEvery: Int? = nil, maxSteps: Int? = nil, warmupSteps: Int = 0,
                    execution: ExecutionSettings = ExecutionSettings(), interruptMonitor: InterruptMonitor? = nil,
                    checkpoints: CheckpointPlan = CheckpointPlan(),
                    onEvent: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
        try validate()
        let dataset = try BinaryAddition.dataset(bits: bits, trainCount: trainCount, testCount: testCount, seed: seed)
        let executor = try execution.makeExecutor(configuration: networkConfiguration, loss: MeanSquaredError(),
                                                  batchSize: batchSize)
        var options = TrainingOptions(epochs: epochs, batchSize: batchSize,
                                      probeEvery: probeEvery, seed: seed,
                                      learningRateDecayEpochs: learningRateDecayEpochs,
                                      maxSteps: maxSteps, warmupSteps: warmupSteps)
        options.interruptMonitor = interruptMonitor
        let trainer = try Trainer(executor: executor, dataset: dataset, options: options)
        return try trainer.run(checkpoints: checkpoints, onEvent: onEvent)
    }
}
