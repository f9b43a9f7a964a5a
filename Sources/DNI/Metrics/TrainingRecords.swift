/// Metrics of one finished epoch.
public struct EpochRecord: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's steps.
    public var trainLoss: Double
    /// Mean synthesizer regression loss over the epoch's steps (0 without synthesizers).
    public var synthesizerLoss: Double
    /// Metrics on the held-out test set after the epoch.
    public var test: Evaluation
    /// Wall-clock seconds of this epoch's training steps (evaluation excluded).
    public var seconds: Double
    /// Wall-clock seconds of training since the run began (evaluation excluded).
    public var elapsedSeconds: Double
}

/// Synthetic-gradient quality at every stage, measured by ``Network/probe(input:target:)``.
public struct ProbeRecord: Sendable, Equatable {
    /// 1-based epoch during which the probe ran.
    public var epoch: Int
    /// Training steps completed before the probe (over the whole run).
    public var step: Int
    /// One entry per stage with a synthesizer.
    public var stages: [StageProbe]
}

/// The outcome of a whole training run.
public struct TrainingSummary: Sendable, Equatable {
    /// Task name (`addition`, `mnist`).
    public var task: String
    /// The training method.
    public var method: TrainingMethod
    /// How stages were scheduled (`sequential`, `pipelined`, `mpi`).
    public var execution: String
    /// K: synthesizers learned from the target of batch b just before predicting for b + K.
    public var delay: Int
    /// Stages in each group that ran on its own thread or rank, bottom first.
    public var stageGroups: [Int]
    /// Micro-batches per batch (locked methods in a pipeline; 1 otherwise).
    public var microBatches: Int
    /// The executor's own figures (``Executor/statistics``), such as MPI message bytes per step.
    public var executorStatistics: [ExecutorStatistic] = []
    /// Epochs trained.
    public var epochs: Int
    /// The run's seed.
    public var seed: UInt64
    /// Mean training loss of the last epoch.
    public var trainLoss: Double
    /// Final test metrics.
    public var test: Evaluation
    /// Training seconds (evaluation excluded).
    public var seconds: Double
    /// Training examples processed per second of training.
    public var samplesPerSecond: Double
    /// Task-specific summary fields (recurrent tasks: `max_length_solved`, `test_bpc`, `steps`…),
    /// written after the common ones in key order.
    public var additionalFields: [String: Double] = [:]

    /// SHA-256 of every parameter in path order (``Network/parametersSHA256``): equal digests,
    /// equal weights.
    public var parametersSHA256: String? = nil

    /// Mean training loss of the first epoch (set by ``DivergenceGuard/finish(_:)``).
    public var firstEpochTrainLoss: Double? = nil

    /// True when the run ended with a higher training loss than its first epoch's: it did not
    /// learn, or it learned and then fell apart.
    public var trainLossRose: Bool {
        guard let firstEpochTrainLoss else { return false }
        return trainLoss > firstEpochTrainLoss
    }

    /// The warning to print when ``trainLossRose``, else nil.
    public var trainLossWarning: String? {
        guard trainLossRose, let firstEpochTrainLoss else { return nil }
        return "\(method.rawValue): the final training loss \(shortNumber(trainLoss)) is higher than the first epoch's "
            + "\(shortNumber(firstEpochTrainLoss)); the run did not learn (try a lower learning rate)"
    }
}

/// What a training run reports as it goes.
public enum TrainingEvent: Sendable {
    /// A step finished: (epoch, step within the epoch, steps per epoch, running mean loss).
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, meanLoss: Double)
    /// An epoch finished.
    case epoch(EpochRecord)
    /// A gradient probe ran.
    case probe(ProbeRecord)
    /// A line a run reports in its own terms (the recurrent tasks' running metrics and probes):
    /// `json` with `--json`, else `text`.
    case line(json: JSONLine, text: String)
}

/// One figure an executor measured about itself, such as `bytes_sent_per_step`.
public struct ExecutorStatistic: Sendable, Equatable {
    /// A snake_case name, used as the JSON key.
    public var name: String
    /// The value.
    public var value: Double

    /// The figure `name` = `value`.
    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}
