import Linalg

/// How a run iterates over its data.
public struct TrainingOptions: Sendable, Equatable {
    /// Passes over the training set.
    public var epochs: Int
    /// Examples per step; the last partial batch of each shuffled epoch is dropped.
    public var batchSize: Int
    /// Probe synthetic-gradient quality every this many steps (nil: never). Off the training
    /// path: a run with probes trains exactly as one without.
    public var probeEvery: Int?
    /// Seed of the shuffling.
    public var seed: UInt64
    /// Multiply every stage's learning rate by `learningRateDecay` at each epoch in
    /// `learningRateDecayEpochs` (a step schedule; 1-based epochs at whose start it applies).
    public var learningRateDecayEpochs: [Int]
    /// The factor of the step schedule.
    public var learningRateDecay: Float
    /// Stop after this many timed training steps (nil: run every epoch), for throughput runs.
    public var maxSteps: Int?
    /// Untimed steps taken before the first timed one (warm-up for throughput runs).
    public var warmupSteps: Int
    /// Polled between steps: on SIGINT/SIGTERM the run ends after the current step (nil: never).
    public var interruptMonitor: InterruptMonitor? = nil

    /// Options for `epochs` passes in batches of `batchSize`.
    public init(epochs: Int, batchSize: Int, probeEvery: Int? = nil, seed: UInt64 = 1,
                learningRateDecayEpochs: [Int] = [], learningRateDecay: Float = 0.1,
                maxSteps: Int? = nil, warmupSteps: Int = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.probeEvery = probeEvery
        self.seed = seed
        self.learningRateDecayEpochs = learningRateDecayEpochs
        self.learningRateDecay = learningRateDecay
        self.maxSteps = maxSteps
        self.warmupSteps = warmupSteps
    }
}

/// Trains a ``Network`` on a ``Dataset`` epoch by epoch, stage after stage on one thread
/// (sequential execution: bit-for-bit reproducible for a seed).
public struct Trainer {
    /// The network trained.
    public let network: Network
    /// The data.
    public let dataset: Dataset
    /// Iteration options.
    public let options: TrainingOptions

    /// A trainer of `network` on `dataset`.
    public init(network: Network, dataset: Dataset, options: TrainingOptions) throws {
        guard options.epochs >= 1 else { throw InputError("--epochs must be at least 1, got \(options.epochs)") }
        guard options.batchSize >= 1 else { throw InputError("--batch-size must be at least 1, got \(options.batchSize)") }
        guard options.batchSize <= dataset.trainCount else {
            throw InputError("--batch-size \(options.batchSize) is larger than the training set (\(dataset.trainCount) examples)")
        }
        if let every = options.probeEvery, every < 1 { throw InputError("--probe-every must be at least 1, got \(every)") }
        if let steps = options.maxSteps, steps < 1 { throw InputError("--steps must be at least 1, got \(steps)") }
        guard options.warmupSteps >= 0 else { throw InputError("--warmup must not be negative, got \(options.warmupSteps)") }
        self.network = network
        self.dataset = dataset
        self.options = options
    }

    /// Runs every epoch, reporting progress to `onEvent`; throws ``TrainingFailure`` when the
    /// loss stops being finite.
    public func run(onEvent: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
        var divergenceGuard = DivergenceGuard(network: network)
        var generator = SeededGenerator(seed: options.seed &+ 0x5EED_0F_5A_FF1E)
        let stepsPerEpoch = dataset.trainCount / options.batchSize
        var order = Array(0..<dataset.trainCount)
        var batchInputs = Matrix(rows: options.batchSize, columns: dataset.inputSize)
        var batchTargets = Matrix(rows: options.batchSize, columns: dataset.outputSize)
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        var globalStep = 0
        var lastRecord: EpochRecord?
        var trainedExamples = 0
        /// Copies batch `index` of the current shuffled order into the reused batch buffers.
        func loadBatch(_ index: Int) {
            let batch = order[(index * options.batchSize)..<((index + 1) * options.batchSize)]
            batchInputs.gatherRows(batch, of: dataset.trainInputs)
            batchTargets.gatherRows(batch, of: dataset.trainTargets)
        }
        for step in 0..<options.warmupSteps {
            loadBatch(step % stepsPerEpoch)
            network.trainStep(input: batchInputs, target: batchTargets)
        }
        epochs: for epoch in 1...options.epochs {
            if options.learningRateDecayEpochs.contains(epoch) {
                network.scaleLearningRates(by: options.learningRateDecay)
            }
            generator.shuffle(&order)
            var lossSum = 0.0, synthesizerLossSum = 0.0
            var epochTime = Duration.zero
            var stepsTaken = 0
            for step in 0..<stepsPerEpoch {
                if let maxSteps = options.maxSteps, globalStep >= maxSteps { break }
                loadBatch(step)
                if let every = options.probeEvery, globalStep % every == 0 {
                    let stages = network.probe(input: batchInputs, target: batchTargets)
                    if !stages.isEmpty { onEvent(.probe(ProbeRecord(epoch: epoch, step: globalStep, stages: stages))) }
                }
                let start = clock.now
                let result = network.trainStep(input: batchInputs, target: batchTargets)
                epochTime += clock.now - start
                try divergenceGuard.check(result, epoch: epoch, step: step + 1, batch: { batchInputs })
                lossSum += result.loss
                synthesizerLossSum += result.synthesizerLoss
                globalStep += 1
                stepsTaken += 1
                trainedExamples += options.batchSize
                onEvent(.step(epoch: epoch, step: step + 1, stepsPerEpoch: stepsPerEpoch,
                              meanLoss: lossSum / Double(step + 1)))
                if options.shouldStop { break }
            }
            elapsed += epochTime
            let test = network.evaluate(inputs: dataset.testInputs, targets: dataset.testTargets, kind: dataset.kind)
            let record = EpochRecord(
                epoch: epoch, trainLoss: lossSum / Double(max(1, stepsTaken)),
                synthesizerLoss: synthesizerLossSum / Double(max(1, stepsTaken)), test: test,
                seconds: epochTime.seconds, elapsedSeconds: elapsed.seconds)
            lastRecord = record
            onEvent(.epoch(record))
            if let maxSteps = options.maxSteps, globalStep >= maxSteps { break epochs }
            if options.shouldStop { break epochs }
        }
        let record = lastRecord!
        let seconds = elapsed.seconds
        return try divergenceGuard.finish(TrainingSummary(
            task: dataset.name, method: network.method, execution: "sequential", epochs: record.epoch,
            seed: options.seed, trainLoss: record.trainLoss, test: record.test, seconds: seconds,
            samplesPerSecond: seconds > 0 ? Double(trainedExamples) / seconds : 0))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
