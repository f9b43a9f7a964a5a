/// What a run does about checkpoints: where it starts from, how often it saves, and how a
/// state tree becomes a file (the caller adds the header and writes atomically).
public struct CheckpointPlan {
    /// The state tree to resume from (nil: start afresh).
    public var resume: StateTree?
    /// Save after every this many training steps (nil: only at the end and on a stop signal).
    public var saveEvery: Int?
    /// Writes a state tree (nil: never save).
    public var write: ((StateTree) throws -> Void)?

    /// A plan that resumes from `resume`, saves every `saveEvery` steps through `write`.
    public init(resume: StateTree? = nil, saveEvery: Int? = nil, write: ((StateTree) throws -> Void)? = nil) {
        self.resume = resume
        self.saveEvery = saveEvery
        self.write = write
    }

    /// True when the run reads or writes checkpoints.
    var isActive: Bool { resume != nil || write != nil }
}
