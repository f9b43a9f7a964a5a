import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes a ``RecurrentTask`` for a run; one conforming type per task (Copy, Repeat Copy, text),
/// so that adding a task touches no switch.
public protocol RecurrentTaskConfiguration: Sendable {
    /// The task's name (`copy`, `repeat-copy`, `text`).
    var name: String { get }
    /// The task's streams for `batchSize` rows, validated against the window length.
    func makeTask(batchSize: Int, truncation: Int, seed: UInt64) throws -> any RecurrentTask
    /// The default of ``RecurrentExperiment/synthesizerRecomputesPrediction`` on this task (false
    /// unless the task says otherwise).
    var recomputesSynthesizerPrediction: Bool { get }
}

extension RecurrentTaskConfiguration {
    /// False: the stale prediction, one product per window cheaper, stable on Copy and Repeat Copy.
    public var recomputesSynthesizerPrediction: Bool { false }
}

/// What a recurrent run reports as it goes.
public enum RecurrentEvent: Sendable {
    /// A window finished: (windows done, windows planned, the task's loss of this window).
    case window(index: Int, total: Int, loss: Double)
    /// Every `reportEvery` windows: running means and the task's progress.
    case report(RecurrentReport)
    /// A diagnostic probe ran.
    case probe(RecurrentProbeRecord)
    /// The run ended and recorded its injected norms (``RecurrentExperiment/recordsInjectedNorms``).
    case injectedNorms(InjectedNormRecord)
}

/// Running metrics over the last `reportEvery` windows.
public struct RecurrentReport: Sendable, Equatable {
    /// Windows trained so far.
    public var window: Int
    /// Mean task loss (nats per row) over the last windows.
    public var trainLoss: Double
    /// Mean synthesizer loss over the last windows (0 for BPTT).
    public var synthesizerLoss: Double
    /// Mean auxiliary loss (DNI + Aux) over the last windows (0 without the auxiliary task).
    public var auxiliaryLoss: Double = 0
    /// The task's own progress line (curriculum length, bits).
    public var progress: String
    /// The task's progress as numbers (``RecurrentTask/progressFields``).
    public var progressFields: [String: Double] = [:]
    /// Training seconds so far.
    public var seconds: Double
}

/// One recurrent run: an LSTM trained by truncated BPTT, or by BPTT with a synthetic gradient
/// from the future (DNI, Jaderberg et al. 2016, §3.1), for a budget of windows.
public struct RecurrentExperiment: Sendable {
    /// The task.
    public var task: any RecurrentTaskConfiguration
    /// `.backprop` (truncated BPTT) or `.dni`.
    public var method: TrainingMethod
    /// T, steps per window.
    public var truncation = 3
    /// LSTM units.
    public var hiddenSize = 256
    /// Streams per batch.
    public var batchSize = 64
    /// Adam's step size for the core and the readout. 10⁻⁴, the stable recipe: at 10⁻³ DNI
    /// diverged even with λ = 0.1 (‖c‖ ≈ 2.7·10⁵ after 10,000 Copy windows, 82% of the forget
    /// gates above 0.99; docs/recurrent.md), and BPTT's ‖c‖ grew too.
    public var learningRate: Float = 1e-4
    /// Adam's step size for the synthesizer.
    public var synthesizerLearningRate: Float = 1e-4
    /// λ, the factor on ĝ where it is injected (see ``RecurrentNetwork/syntheticGradientScale``).
    public var syntheticGradientScale: Float = 0.1
    /// ReLU layers in the synthesizer before its zero-initialised linear output (0: linear).
    public var synthesizerHiddenLayers = 0
    /// Units per synthesizer hidden layer.
    public var synthesizerHiddenSize = 1024
    /// The linear synthesizer factored through this many columns (`--synthesizer-rank`; nil:
    /// the full [stateSize × stateSize] map, the default). See ``RecurrentSynthesizer``.
    public var synthesizerRank: Int?
    /// The linear synthesizer's regression uses M(s₀) recomputed at learning time (true) or the
    /// prediction M made at the previous window's end, one update earlier (false)
    /// (``RecurrentSynthesizer/recomputesPrediction``; `--synthesizer-prediction`). The default is
    /// the task's (``RecurrentTaskConfiguration/recomputesSynthesizerPrediction``).
    public var synthesizerRecomputesPrediction: Bool
    /// DNI + Aux (`--aux`, DNI only): the window's states also predict its synthetic gradient
    /// (``FutureSyntheticGradientPredictor``).
    public var auxiliary = false
    /// β, the weight of the auxiliary loss in the core's objective (`--aux-weight`). The paper
    /// gives none. 0.1, λ's default: the auxiliary gradient reaches δ₀, the synthesizer's own
    /// target, so β damps that second bootstrap path as λ damps the injected gradient. With
    /// β = 1 the synthesizer ran away on Copy at T = 4, 5 and on one seed of three at T = 3;
    /// with 0.1 none did (docs/recurrent.md, "DNI + Aux with β = 0.1").
    public var auxiliaryWeight: Float = 0.1
    /// The same-norm noise control (`--synthetic-gradient-noise`, DNI only): the injected
    /// gradient points in a random direction (``SyntheticGradientNoiseControl``, seeded from
    /// ``seed``).
    public var injectsNoise = false
    /// The replayed noise control (`--noise-norms`, needs ``injectsNoise``): inject DNI's
    /// recorded norms window by window instead of this run's own λ‖ĝₙ‖.
    public var noiseNorms: InjectedNormRecord?
    /// Record the injected norms (`--record-injected-norms`, DNI only): the run ends with a
    /// ``RecurrentEvent/injectedNorms(_:)`` event. Not with checkpoints: the record is kept in
    /// memory until the run ends.
    public var recordsInjectedNorms = false
    /// The budget: training windows.
    public var windows = 10_000
    /// Untimed windows before the timed ones (throughput measurements).
    public var warmupWindows = 0
    /// Run a probe every this many windows (nil: never).
    public var probeEvery: Int?
    /// Windows a probe's true gradient looks ahead.
    public var probeHorizon = 4
    /// Report running metrics every this many windows.
    public var reportEvery = 500
    /// Seed of the weights and of the task's streams.
    public var seed: UInt64 = 1

    /// A run of `method` on `task` with the defaults above.
    public init(task: any RecurrentTaskConfiguration, method: TrainingMethod) {
        self.task = task
        self.method = method
        self.synthesizerRecomputesPrediction = task.recomputesSynthesizerPrediction
    }

    /// Checks the values a user can set, throwing ``InputError`` naming the flag.
    public func validate() throws {
        guard method == .backprop || method == .dni else {
            throw InputError("--method \(method.rawValue) does not apply to recurrent tasks; use bptt (backprop) or dni")
        }
        guard (1...1000).contains(truncation) else { throw InputError("--truncation must be in 1...1000, got \(truncation)") }
        guard (1...8192).contains(hiddenSize) else { throw InputError("--hidden must be in 1...8192 for recurrent tasks, got \(hiddenSize)") }
        guard batchSize >= 1 else { throw InputError("--batch-size must be at least 1, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw InputError("--learning-rate must be positive, got \(learningRate)") }
        guard synthesizerLearningRate > 0, synthesizerLearningRate.isFinite else {
            throw InputError("--synthesizer-learning-rate must be positive, got \(synthesizerLearningRate)")
        }
        guard syntheticGradientScale >= 0, syntheticGradientScale.isFinite else {
            throw InputError("--synthetic-gradient-scale must be non-negative, got \(syntheticGradientScale)")
        }
        if auxiliary, method != .dni { throw InputError("--aux (DNI + Aux) applies to --method dni only") }
        if injectsNoise, method != .dni { throw InputError("--synthetic-gradient-noise applies to --method dni only") }
        if noiseNorms != nil, !injectsNoise { throw InputError("--noise-norms needs --synthetic-gradient-noise") }
        if recordsInjectedNorms, method != .dni { throw InputError("--record-injected-norms applies to --method dni only") }
        if let noiseNorms {
            do {
                try noiseNorms.check(batchSize: batchSize, windows: warmupWindows + windows)
            } catch {
                throw InputError("--noise-norms \(error.description)")
            }
        }
        guard auxiliaryWeight >= 0, auxiliaryWeight.isFinite else {
            throw InputError("--aux-weight must be non-negative, got \(auxiliaryWeight)")
        }
        if let synthesizerRank {
            guard method == .dni else { throw InputError("--synthesizer-rank applies to --method dni only") }
            guard synthesizerHiddenLayers == 0 else {
                throw InputError("--synthesizer-rank factors the linear synthesizer; it cannot be used with --synthesizer-hidden-layers \(synthesizerHiddenLayers)")
            }
            guard (1...(2 * hiddenSize)).contains(synthesizerRank) else {
                throw InputError("--synthesizer-rank must be in 1...\(2 * hiddenSize) (the state's width), got \(synthesizerRank)")
            }
        }
        guard windows >= 1 else { throw InputError("--steps must be at least 1, got \(windows)") }
        if let probeEvery, probeEvery < 1 { throw InputError("--probe-every must be at least 1, got \(probeEvery)") }
        guard probeHorizon >= 1 else { throw InputError("--probe-horizon must be at least 1, got \(probeHorizon)") }
    }

    /// Refuses ``recordsInjectedNorms`` on a run that saves or resumes checkpoints: the record is
    /// kept in memory until the run ends, so a resumed run would lose its first part.
    public func checkRecording(checkpointed: Bool) throws(InputError) {
        if recordsInjectedNorms && checkpointed {
            throw InputError("--record-injected-norms cannot be combined with --checkpoint or --resume: the record is kept in memory until the run ends")
        }
    }

    /// The network these settings describe, for `task`.
    public func makeNetwork(for task: any RecurrentTask, engine: GEMMEngine = .default) -> RecurrentNetwork {
        var generator = SeededGenerator(seed: seed)
        let cell = LSTM(inputSize: task.inputSize, hiddenSize: hiddenSize, generator: &generator, engine: engine)
        var synthesizer: RecurrentSynthesizer?
        if method == .dni {
            // Its own generator, so the core and the readout start the same under every method.
            var synthesizerGenerator = SeededGenerator(seed: seed &+ 0x5717_4e7e)
            synthesizer = RecurrentSynthesizer(
                stateSize: cell.stateSize, hiddenLayers: synthesizerHiddenLayers, hiddenSize: synthesizerHiddenSize,
                rank: synthesizerRank,
                optimizer: Adam(learningRate: synthesizerLearningRate), generator: &synthesizerGenerator, engine: engine)
            synthesizer?.recomputesPrediction = synthesizerRecomputesPrediction
        }
        let auxiliary = method == .dni && self.auxiliary
            ? FutureSyntheticGradientPredictor(stateSize: cell.stateSize, lossWeight: auxiliaryWeight,
                                               optimizer: Adam(learningRate: synthesizerLearningRate), engine: engine)
            : nil
        let network = RecurrentNetwork(cell: cell, classes: task.outputSize, truncation: truncation, batchSize: batchSize,
                                       optimizer: Adam(learningRate: learningRate), synthesizer: synthesizer,
                                       auxiliary: auxiliary, syntheticGradientScale: syntheticGradientScale,
                                       generator: &generator, engine: engine)
        if injectsNoise {
            network.noiseControl = SyntheticGradientNoiseControl(seed: seed &+ 0x7015E)
            network.noiseControl?.replayedNorms = noiseNorms
        }
        return network
    }

    /// Trains for ``windows`` windows (or until the task stops early) and returns the summary
    /// (its train loss is the mean over the last report interval), with the task's fields (`max_length_solved`, `test_bpc`…) and `steps` (windows trained).
    ///
    /// - Throws: ``InputError`` for bad settings or data; ``TrainingFailure`` when the loss
    ///   stops being finite (naming the window).
    ///
    /// With a ``CheckpointPlan`` the run starts from its state tree and saves one every
    /// `saveEvery` windows, when `interruptMonitor` reports a stop signal (after the window
    /// under way; the run then ends early) and at its end: the network, the task's streams and
    /// curriculum, and the loop's position and sums, so a resumed run trains exactly the
    /// windows the uninterrupted one would.
    public func run(engine: GEMMEngine = .default, interruptMonitor: InterruptMonitor? = nil,
                    checkpoints: CheckpointPlan = CheckpointPlan(),
                    onEvent: (RecurrentEvent) -> Void = { _ in }) throws -> TrainingSummary {
        try validate()
        let task = try self.task.makeTask(batchSize: batchSize, truncation: truncation, seed: seed &+ 0x5eed)
        let network = makeNetwork(for: task, engine: engine)
        if recordsInjectedNorms {
            try checkRecording(checkpointed: checkpoints.resume != nil || checkpoints.write != nil)
            network.injectedNorms = InjectedNormRecord(batchSize: batchSize, capacity: warmupWindows + windows)
        }
        let clock = ContinuousClock()
        var progress = RecurrentProgress()
        var runawayGuard = SynthesizerRunawayGuard()
        var checkpointSeconds = 0.0, checkpointsWritten = 0
        func saveCheckpoint() throws {
            guard let write = checkpoints.write else { return }
            let start = clock.now
            var tree = StateTree()
            progress.save(into: &tree, path: "trainer")
            runawayGuard.save(into: &tree, path: "trainer.synthesizer_guard")
            task.saveState(into: &tree, path: "task")
            network.saveState(into: &tree, path: "network")
            try write(tree)
            checkpointSeconds += (clock.now - start).seconds
            checkpointsWritten += 1
        }
        if let tree = checkpoints.resume {
            try progress.load(from: tree, path: "trainer")
            try runawayGuard.load(from: tree, path: "trainer.synthesizer_guard")
            try task.loadState(from: tree, path: "task")
            try network.loadState(from: tree, path: "network")
        } else {
            for _ in 0..<warmupWindows { network.trainWindow(on: task) }
        }
        while !progress.finished && progress.trained < windows {
            let window = progress.trained + 1
            let start = clock.now
            let result = network.trainWindow(on: task)
            let stop = try task.afterWindow(window, network: network)
            progress.seconds += (clock.now - start).seconds
            progress.trained = window
            guard result.loss.isFinite else {
                throw TrainingFailure("the loss is \(result.loss) at window \(window) (\(method.rawValue), \(task.name)); try a smaller --learning-rate or --synthetic-gradient-scale")
            }
            if let runaway = runawayGuard.observe(synthesizerLoss: result.synthesizerLoss, targetLoss: result.targetLoss,
                                                  window: window) {
                throw TrainingFailure("\(runaway) (\(method.rawValue), \(task.name))")
            }
            progress.lossSum += result.loss; progress.synthesizerLossSum += result.synthesizerLoss
            progress.auxiliaryLossSum += result.auxiliaryLoss; progress.reportCount += 1
            onEvent(.window(index: window, total: windows, loss: result.loss))
            if let probeEvery, window % probeEvery == 0 {
                onEvent(.probe(network.probe(task: task, windows: probeHorizon, window: window)))
            }
            if window % reportEvery == 0 || window == windows || stop {
                let count = Double(progress.reportCount)
                onEvent(.report(RecurrentReport(
                    window: window, trainLoss: progress.lossSum / count,
                    synthesizerLoss: progress.synthesizerLossSum / count,
                    auxiliaryLoss: progress.auxiliaryLossSum / count,
                    progress: task.progressDescription, progressFields: task.progressFields, seconds: progress.seconds)))
                progress.recentLoss = progress.lossSum / count
                progress.lossSum = 0; progress.synthesizerLossSum = 0; progress.auxiliaryLossSum = 0; progress.reportCount = 0
            }
            if stop { progress.finished = true }
            if interruptMonitor?.shouldStop == true { break }
            if let every = checkpoints.saveEvery, window % every == 0, !progress.finished, window < windows {
                try saveCheckpoint()
            }
        }
        // At the end, or after a stop signal (the windows trained so far).
        try saveCheckpoint()
        if let record = network.injectedNorms { onEvent(.injectedNorms(record)) }
        let seconds = progress.seconds, trained = progress.trained, recentLoss = progress.recentLoss
        let (fields, test) = try task.finish(network: network)
        var summary = TrainingSummary(
            task: task.name, method: method, execution: "sequential", delay: 1, stageGroups: [1], microBatches: 1,
            epochs: 1, seed: seed,
            trainLoss: recentLoss, test: test, seconds: seconds,
            samplesPerSecond: seconds > 0 ? Double(trained * batchSize * truncation) / seconds : 0)
        summary.additionalFields = fields.merging([
            "steps": Double(trained), "truncation": Double(truncation), "hidden": Double(hiddenSize),
            "windows_per_second": seconds > 0 ? Double(trained) / seconds : 0,
            "synthetic_gradient_scale": method == .dni ? Double(syntheticGradientScale) : .nan,
            "auxiliary_weight": method == .dni && auxiliary ? Double(auxiliaryWeight) : .nan,
            "synthetic_gradient_noise": injectsNoise ? 1 : .nan,
            "noise_norms_replayed": noiseNorms != nil ? 1 : .nan,
        ]) { first, _ in first }.filter { !$0.value.isNaN }
        summary.parametersSHA256 = network.parametersSHA256
        if checkpointsWritten > 0 {
            summary.executorStatistics = [ExecutorStatistic(name: "checkpoints_written", value: Double(checkpointsWritten)),
                                          ExecutorStatistic(name: "checkpoint_seconds", value: checkpointSeconds)]
        }
        return summary
    }
}

extension RecurrentExperiment {
    /// What a checkpoint of this run holds, scored as its summary would be (the task's fields:
    /// `max_length_solved`, `test_bpc`…, and the test metrics), with the parameters' digest.
    public func evaluate(checkpoint tree: StateTree, engine: GEMMEngine = .default) throws
        -> (fields: [String: Double], test: Evaluation, parametersSHA256: String) {
        try validate()
        let task = try self.task.makeTask(batchSize: batchSize, truncation: truncation, seed: seed &+ 0x5eed)
        let network = makeNetwork(for: task, engine: engine)
        try task.loadState(from: tree, path: "task")
        try network.loadState(from: tree, path: "network")
        let digest = network.parametersSHA256
        let (fields, test) = try task.finish(network: network)
        return (fields, test, digest)
    }
}
