import Linalg

/// A stream of sequence data that a recurrent network learns from, one truncation window at a
/// time (Jaderberg et al. 2016, §3.1: Copy, Repeat Copy and language modelling).
///
/// A task owns B independent streams (one per batch row) that continue from window to window,
/// never reshuffled, so the state the network carries across windows belongs to the same stream.
/// It scores the network's logits and keeps its own metrics (a curriculum, bits per character).
/// Adding a task means conforming a new type; nothing else switches on task kinds.
public protocol RecurrentTask: AnyObject {
    /// The task's name in summaries (`copy`, `repeat-copy`, `text`).
    var name: String { get }
    /// Features of each step's input.
    var inputSize: Int { get }
    /// Number of logits per step.
    var outputSize: Int { get }
    /// Number of streams (the batch size B).
    var batchSize: Int { get }

    /// Writes the next `steps` steps of every stream into `inputs`, resized to
    /// `[steps·B, inputSize]` (row t·B + n is step t of stream n), and remembers their targets.
    func nextWindow(inputs: inout Matrix, steps: Int)

    /// Scores `logits` (`[steps·B, outputSize]`) against the targets of the last window: writes the
    /// per-row gradient ∂ℓ/∂logits into `gradient` and returns the window's mean loss
    /// (1/(T·B)) Σ ℓ in nats. Updates the task's running metrics.
    func loss(logits: Matrix, gradient: inout Matrix) -> Double

    /// A deep copy that continues the same streams, for probes that look into the future without
    /// disturbing training.
    func copy() -> any RecurrentTask

    /// Called after each training window (1-based `window`); may evaluate `network` (e.g. on a
    /// validation split). Returns true to stop training early.
    func afterWindow(_ window: Int, network: RecurrentNetwork) throws -> Bool

    /// A short progress line, for the text output (`length 3, 0.41 bits`).
    var progressDescription: String { get }

    /// The same progress as numbers for reports and charts, keyed in snake_case
    /// (`curriculum_length`, `max_length_solved`); empty where a task has none.
    var progressFields: [String: Double] { get }

    /// Called once at the end: the task's summary fields (`max_length_solved`, `test_bpc`…),
    /// and the final test metrics in the form of ``Evaluation``.
    func finish(network: RecurrentNetwork) throws -> (fields: [String: Double], test: Evaluation)

    /// Writes what the task carries from window to window (its streams' positions and random
    /// state, the curriculum, early-stopping records) at `path` of a checkpoint's state tree.
    func saveState(into tree: inout StateTree, path: String)

    /// Reads back what ``saveState(into:path:)`` wrote.
    /// - Throws: ``InputError`` naming the path when it does not fit this task.
    func loadState(from tree: StateTree, path: String) throws(InputError)
}

extension RecurrentTask {
    /// No numeric progress by default.
    public var progressFields: [String: Double] { [:] }
}
