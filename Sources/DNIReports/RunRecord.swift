/// Everything recorded about one training run (one method): its epochs, its synthetic-gradient
/// probes and its summary. `MetricsReader` builds these from JSON Lines; `dni compare` can build
/// them in memory and hand them straight to `HTMLReport`.
public struct RunRecord: Sendable, Equatable {
    /// The name shown in tables and legends: the method (`backprop`, `dni`, `cdni`), or the file's
    /// name when the lines carry no method.
    public var name: String
    /// The run's seed, when its lines or its summary name one. Runs that share a name and differ
    /// in seed are one method over several seeds: the report draws their spread.
    public var seed: Int?
    /// The file the run was read from, if any.
    public var source: String?
    /// One record per epoch, in the order written.
    public var epochs: [EpochRecord]
    /// The synthetic-gradient probes, in the order written.
    public var probes: [ProbeRecord]
    /// Recurrent runs: the running metrics after every report interval of windows, in order.
    public var windows: [WindowRecord]
    /// Recurrent runs: the core's state at every probe (`cell_norm`, `saturated_forget_fraction`,
    /// `true_gradient_norm`…), by window, in order.
    public var stateProbes: [WindowRecord]
    /// The run's summary line, if it wrote one.
    public var summary: RunSummary?

    /// A run named `name`.
    public init(
        name: String,
        seed: Int? = nil,
        source: String? = nil,
        epochs: [EpochRecord] = [],
        probes: [ProbeRecord] = [],
        windows: [WindowRecord] = [],
        stateProbes: [WindowRecord] = [],
        summary: RunSummary? = nil
    ) {
        self.windows = windows
        self.stateProbes = stateProbes
        self.name = name
        self.seed = seed ?? summary?.seed
        self.source = source
        self.epochs = epochs
        self.probes = probes
        self.summary = summary
    }

    /// The stages that have probes, in increasing order.
    public var probedStages: [Int] {
        Array(Set(probes.map(\.stage))).sorted()
    }

    /// True when the run holds no records at all.
    public var isEmpty: Bool {
        epochs.isEmpty && probes.isEmpty && windows.isEmpty && stateProbes.isEmpty && summary == nil
    }
}
