/// Runs the training steps of a ``Network``: decides where each stage runs and how activations
/// and bootstrapped targets travel between stages, never what a stage computes (that is
/// `Stage+Steps.swift`). Every executor of a network with the same ``delay`` computes the same
/// bits (docs/decoupled-execution.md: staleness is a parameter, not an accident of timing).
public protocol Executor: AnyObject {
    /// The network whose stages it runs.
    var network: Network { get }
    /// The name reported in summaries: `sequential`, `pipelined`, `mpi`.
    var name: String { get }
    /// K: a synthesizer learns from the target of batch b just before it predicts for b + K.
    var delay: Int { get }
    /// The number of stages in each group that runs on its own thread or rank, bottom first.
    var stageGroups: [Int] { get }
    /// Micro-batches per batch for locked (backprop) training; 1 otherwise.
    var microBatches: Int { get }

    /// Trains on every step of `segment` and returns what each step measured. Throws
    /// ``SynthesizerScheduleError`` if a stage is driven out of turn, or the executor's own
    /// errors (a lost peer). When it returns or throws, no stage is running.
    func train(_ segment: TrainingSegment) throws -> SegmentResult

    /// What the executor measured about itself so far, by snake_case name (for example an MPI
    /// rank's `bytes_sent_per_step`); reported in the run's summary.
    var statistics: [(name: String, value: Double)] { get }
}

extension Executor {
    /// No figures of its own.
    public var statistics: [(name: String, value: Double)] { [] }
}
