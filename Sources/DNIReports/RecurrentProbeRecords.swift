/// What a report keeps of a recurrent run's probe line (`{"event":"probe","window":N,
/// "cell_norm":…,"cosine":…}`): the core's state diagnostics by window and, for DNI, the cosine of
/// ĝ with the true future gradient, drawn against the window as stage 1. `dni report` (reading
/// JSON text) and `dni compare --report` (recording lines in memory) both build them here.
public struct RecurrentProbeRecords: Sendable, Equatable {
    /// The run's settings on a probe line, which are not state and are dropped.
    public static let settingFields: Set<String> = ["event", "method", "seed", "window", "truncation", "horizon"]

    /// The state diagnostics (‖c‖, saturated forget gates…) at the probe's window.
    public var state: WindowRecord
    /// The cosine (and norm ratio) of ĝ with the true future gradient; nil for truncated BPTT.
    public var cosine: ProbeRecord?

    /// The records of a probe line at `window` whose numeric fields are `numbers` (settings
    /// among them are dropped).
    public init(window: Int, numbers: [String: Double]) {
        state = WindowRecord(window: window, fields: numbers.filter { !Self.settingFields.contains($0.key) })
        cosine = numbers["cosine"].map { ProbeRecord(step: window, stage: 1, cosine: $0, normRatio: numbers["norm_ratio"]) }
    }
}
