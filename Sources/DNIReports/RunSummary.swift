/// The last line of a training run (docs/reports.md):
/// `{"event":"summary","task":"mnist","method":"dni","execution":"sequential","epochs":10,"seed":1,
/// "train_loss":…,"test_loss":…,"test_accuracy":…,"seconds":…,"samples_per_second":…}`.
/// Every field is optional here so that partial summaries still make a report.
public struct RunSummary: Sendable, Equatable {
    /// The task trained on (`addition`, `mnist`, `copy`…).
    public var task: String?
    /// How the stages were run (`sequential`, `pipelined`, `mpi`).
    public var execution: String?
    /// The number of epochs trained.
    public var epochs: Int?
    /// The random seed of the run.
    public var seed: Int?
    /// The final training loss.
    public var trainLoss: Double?
    /// The final test loss.
    public var testLoss: Double?
    /// The final test accuracy, a fraction in [0, 1].
    public var testAccuracy: Double?
    /// Total wall-clock seconds.
    public var seconds: Double?
    /// Training throughput in examples per second.
    public var samplesPerSecond: Double?
    /// Task-specific numeric fields (`test_exact`, `max_length_solved`…), keyed by their JSON names.
    public var extraFields: [String: Double]

    /// A summary; leave out what the run did not measure.
    public init(
        task: String? = nil,
        execution: String? = nil,
        epochs: Int? = nil,
        seed: Int? = nil,
        trainLoss: Double? = nil,
        testLoss: Double? = nil,
        testAccuracy: Double? = nil,
        seconds: Double? = nil,
        samplesPerSecond: Double? = nil,
        extraFields: [String: Double] = [:]
    ) {
        self.task = task
        self.execution = execution
        self.epochs = epochs
        self.seed = seed
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
        self.extraFields = extraFields
    }
}

extension RunSummary {
    /// The extra summary fields a recurrent run's table shows: the task's result and the budget
    /// (`dni report` and `dni compare --report` keep these and drop the rest).
    public static let recurrentFields: Set<String> = ["max_length_solved", "test_bpc", "steps", "truncation", "auxiliary_weight"]
}
