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
    /// Polled between segments: on SIGINT/SIGTERM the run ends after the current segment, then
    /// evaluates and returns its summary so far (nil: never). With a monitor, segments last
    /// about two seconds, so a stop comes soon after the signal.
    public var interruptMonitor: InterruptMonitor? = nil
    /// At most this many steps per segment (nil: up to the next probe or the end of the epoch).
    /// Segments change no result — the stages are only drained between them — only how often
    /// the trainer can look in; a test sets it to prove that.
    public var maxSegmentSteps: Int? = nil

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

/// Trains a ``Network`` on a ``Dataset`` epoch by epoch, through an ``Executor`` (sequential by
/// default): the trainer owns the data order, the schedule, probes, evaluation and reporting;
/// the executor runs the steps.
///
/// Steps go to the executor in segments — the steps of an epoch between two probes — and every
/// stage is idle between segments, so probes and evaluations see the same state under every
/// executor. Global batch ids count every step of the run, warm-up included.
public struct Trainer {
    /// The network trained.
    public var network: Network { executor.network }
    /// Runs the steps.
    public let executor: any Executor
    /// The data.
    public let dataset: Dataset
    /// Iteration options.
    public let options: TrainingOptions

    /// A trainer of `network` on `dataset`, one stage after another on this thread.
    public init(network: Network, dataset: Dataset, options: TrainingOptions) throws {
        try self.init(executor: SequentialExecutor(network: network), dataset: dataset, options: options)
    }

    /// A trainer that runs its steps through `executor`.
    public init(executor: any Executor, dataset: Dataset, options: TrainingOptions) throws {
        guard options.epochs >= 1 else { throw InputError("--epochs must be at least 1, got \(options.epochs)") }
        guard options.batchSize >= 1 else { throw InputError("--batch-size must be at least 1, got \(options.batchSize)") }
        guard options.batchSize <= dataset.trainCount else {
            throw InputError("--batch-size \(options.batchSize) is larger than the training set (\(dataset.trainCount) examples)")
        }
        guard options.batchSize % executor.microBatches == 0 else {
            throw InputError("--batch-size \(options.batchSize) does not split into \(executor.microBatches) equal micro-batches")
        }
        if let every = options.probeEvery, every < 1 { throw InputError("--probe-every must be at least 1, got \(every)") }
        if let steps = options.maxSteps, steps < 1 { throw InputError("--steps must be at least 1, got \(steps)") }
        guard options.warmupSteps >= 0 else { throw InputError("--warmup must not be negative, got \(options.warmupSteps)") }
        self.executor = executor
        self.dataset = dataset
        self.options = options
    }

    /// Runs every epoch, reporting progress to `onEvent`; throws ``TrainingFailure`` when the
    /// loss stops being finite.
    ///
    /// With a ``CheckpointPlan``, the run starts from its state tree (replaying the saved epoch
    /// records to `onEvent`) and saves one after every `saveEvery` steps, when a stop signal
    /// ends it (after the step under way) and at its end. A saved tree holds everything the run
    /// needs to continue bit for bit: the network and what is in flight between its stages,
    /// the divergence guard, and the position in the data (``TrainingProgress``).
    public func run(checkpoints: CheckpointPlan = CheckpointPlan(),
                    onEvent: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
        var divergenceGuard = DivergenceGuard(network: network)
        let stepsPerEpoch = dataset.trainCount / options.batchSize
        var progress = TrainingProgress(trainCount: dataset.trainCount, seed: options.seed)
        let resumable = executor as? any ResumableExecutor
        if checkpoints.isActive && resumable == nil {
            throw InputError("checkpoints are not supported with --execution \(executor.name) yet")
        }
        var probeInputs = Matrix.empty, probeTargets = Matrix.empty
        let clock = ContinuousClock()
        var checkpointSeconds = 0.0, checkpointsWritten = 0
        /// One segment of `count` steps from `firstStep` of the current order.
        func segment(firstStep: Int, count: Int) -> TrainingSegment {
            TrainingSegment(inputs: dataset.trainInputs, targets: dataset.trainTargets, order: progress.order,
                            batchSize: options.batchSize, firstStep: firstStep, count: count, firstBatch: progress.nextBatch)
        }
        /// Saves the whole state; the time it takes counts as training time.
        func saveCheckpoint() throws {
            guard let write = checkpoints.write, let resumable else { return }
            let start = clock.now
            var tree = StateTree()
            progress.save(into: &tree, path: "trainer")
            divergenceGuard.saveState(into: &tree, path: "trainer.divergence_guard")
            resumable.saveNetworkState(into: &tree)
            try write(tree)
            let took = (clock.now - start).seconds
            progress.epochSeconds += took
            checkpointSeconds += took
            checkpointsWritten += 1
        }
        var segmentCap: Int? = options.interruptMonitor != nil ? 8 : options.maxSegmentSteps
        let adaptsSegments = options.interruptMonitor != nil
        if let tree = checkpoints.resume, let resumable {
            try progress.load(from: tree, path: "trainer", trainCount: dataset.trainCount)
            try divergenceGuard.loadState(from: tree, path: "trainer.divergence_guard")
            try resumable.loadNetworkState(from: tree, nextBatch: progress.nextBatch)
            try resumable.loadExecutorState(from: tree)
            for record in progress.records { onEvent(.epoch(record)) }
        } else {
            var warmupLeft = options.warmupSteps
            while warmupLeft > 0 {
                let count = min(warmupLeft, stepsPerEpoch)
                _ = try executor.train(segment(firstStep: 0, count: count))
                progress.nextBatch += count
                warmupLeft -= count
            }
        }
        var stopped = false
        epochs: while progress.epoch <= options.epochs {
            let epoch = progress.epoch
            // A run resumed after its --steps were all taken has nothing left to do.
            if !progress.epochStarted, let maxSteps = options.maxSteps, progress.globalStep >= maxSteps { break epochs }
            if !progress.epochStarted {
                if options.learningRateDecayEpochs.contains(epoch) {
                    network.scaleLearningRates(by: options.learningRateDecay)
                }
                var shuffle = progress.shuffle
                shuffle.shuffle(&progress.order)
                progress.shuffle = shuffle
                progress.step = 0
                progress.lossSum = 0
                progress.synthesizerLossSum = 0
                progress.stepsTaken = 0
                progress.epochSeconds = 0
                progress.epochStarted = true
            }
            let stepsThisEpoch = options.maxSteps.map {
                min(stepsPerEpoch, progress.step + max(0, $0 - progress.globalStep))
            } ?? stepsPerEpoch
            while progress.step < stepsThisEpoch {
                let step = progress.step, globalStep = progress.globalStep
                if let every = options.probeEvery, globalStep % every == 0 {
                    let rows = progress.order[(step * options.batchSize)..<((step + 1) * options.batchSize)]
                    probeInputs.gatherRows(rows, of: dataset.trainInputs)
                    probeTargets.gatherRows(rows, of: dataset.trainTargets)
                    let stages = network.probe(input: probeInputs, target: probeTargets)
                    if !stages.isEmpty { onEvent(.probe(ProbeRecord(epoch: epoch, step: globalStep, stages: stages))) }
                }
                // Up to the next probe or checkpoint, or the end of the epoch; when a signal may
                // ask the run to stop, segments of about two seconds, so that it stops soon
                // after (where segments end changes no result: the stages are only drained there).
                var count = stepsThisEpoch - step
                if let every = options.probeEvery { count = min(count, every - globalStep % every) }
                if let every = checkpoints.saveEvery { count = min(count, every - globalStep % every) }
                if let segmentCap { count = min(count, segmentCap) }
                let start = clock.now
                let result = try executor.train(segment(firstStep: step, count: count))
                let took = clock.now - start
                progress.epochSeconds += took.seconds
                if adaptsSegments {
                    segmentCap = max(1, Int(2 / max(1e-6, took.seconds / Double(count))))
                }
                progress.nextBatch += count
                for position in 0..<count {
                    let loss = result.losses[position]
                    let order = progress.order
                    try divergenceGuard.check(StepResult(loss: loss, synthesizerLoss: result.synthesizerLosses[position]),
                                              epoch: epoch, step: step + position + 1,
                                              batch: { batch(step: step + position, order: order) })
                    progress.lossSum += loss
                    progress.synthesizerLossSum += result.synthesizerLosses[position]
                    progress.stepsTaken += 1
                    progress.trainedExamples += options.batchSize
                    onEvent(.step(epoch: epoch, step: step + position + 1, stepsPerEpoch: stepsPerEpoch,
                                  meanLoss: progress.lossSum / Double(progress.stepsTaken)))
                }
                progress.globalStep += count
                progress.step += count
                if options.shouldStop {
                    // Saved before the partial epoch is evaluated, so a resumed run goes on with it.
                    try saveCheckpoint()
                    stopped = true
                    break
                }
                if let every = checkpoints.saveEvery, progress.globalStep % every == 0 { try saveCheckpoint() }
            }
            progress.elapsedSeconds += progress.epochSeconds
            let test = network.evaluate(inputs: dataset.testInputs, targets: dataset.testTargets, kind: dataset.kind)
            let record = EpochRecord(
                epoch: epoch, trainLoss: progress.lossSum / Double(max(1, progress.stepsTaken)),
                synthesizerLoss: progress.synthesizerLossSum / Double(max(1, progress.stepsTaken)), test: test,
                seconds: progress.epochSeconds, elapsedSeconds: progress.elapsedSeconds)
            progress.records.append(record)
            onEvent(.epoch(record))
            if stopped { break epochs }
            progress.epoch += 1
            progress.epochStarted = false
            if let maxSteps = options.maxSteps, progress.globalStep >= maxSteps { break epochs }
        }
        if !stopped { try saveCheckpoint() }
        guard let record = progress.records.last else {
            throw InputError("the checkpoint holds no finished epoch and no step is left to train")
        }
        let seconds = progress.elapsedSeconds
        var summary = TrainingSummary(
            task: dataset.name, method: network.method, execution: executor.name, delay: executor.delay,
            stageGroups: executor.stageGroups, microBatches: executor.microBatches, epochs: record.epoch,
            seed: options.seed, trainLoss: record.trainLoss, test: record.test, seconds: seconds,
            samplesPerSecond: seconds > 0 ? Double(progress.trainedExamples) / seconds : 0)
        summary.executorStatistics = executor.statistics.map { ExecutorStatistic(name: $0.name, value: $0.value) }
        summary.parametersSHA256 = network.parametersSHA256
        if checkpointsWritten > 0 {
            summary.executorStatistics.append(ExecutorStatistic(name: "checkpoints_written", value: Double(checkpointsWritten)))
            summary.executorStatistics.append(ExecutorStatistic(name: "checkpoint_seconds", value: checkpointSeconds))
        }
        return try divergenceGuard.finish(summary)
    }

    /// The input batch of `step` (0-based, within the epoch whose shuffled order is `order`), for
    /// the divergence guard's diagnosis.
    private func batch(step: Int, order: [Int]) -> Matrix {
        var input = Matrix.empty
        input.gatherRows(order[(step * options.batchSize)..<((step + 1) * options.batchSize)], of: dataset.trainInputs)
        return input
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
