import Linalg

/// A synthetic gradient model Mᵢ: predicts ĝᵢ = Mᵢ(hᵢ[, c]) ≈ ∂ℓ/∂hᵢ from a stage's output hᵢ
/// and, for cDNI, the label c (Jaderberg et al. 2016, arXiv:1608.05343, §2).
///
/// Predictions are keyed by batch id. ``predict(batch:activation:condition:)`` holds what the
/// regression step needs for that batch (its own copy of the input, and the saved state of a
/// replica of its layers); when the target δ for that batch arrives — K batches later under
/// delay K, from the stage above — ``learn(batch:target:)`` takes one optimizer step on
/// L_M = (1/B) Σₙ ½‖ĝₙ − δₙ‖², with δ treated as a constant, and frees the batch. Learning from
/// a batch that is not held, or predicting with every slot held, throws: several batches in
/// flight can never silently train one batch's prediction toward another's target.
public protocol Synthesizer: AnyObject {
    /// Width of the activations hᵢ this synthesizer reads (and of the gradient it predicts).
    var activationSize: Int { get }
    /// Width of the condition c (0 for an unconditioned synthesizer).
    var conditionSize: Int { get }
    /// The trainable parameters.
    var parameters: [Parameter] { get }
    /// How many training predictions it can hold at once.
    var capacity: Int { get }
    /// The batches whose predictions are held, awaiting their targets, in no particular order.
    var heldBatches: [Int] { get }

    /// Makes room for `count` predictions in flight (the delay K); allocates once, up front.
    func reserveCapacity(_ count: Int)

    /// Returns ĝ for batch `batch`: `activation` is `[batch size, activationSize]` and, when
    /// conditioned, `condition` is `[batch size, conditionSize]`. Holds the batch until
    /// ``learn(batch:target:)``. The result is valid until that batch is learned.
    func predict(batch: Int, activation: Matrix, condition: Matrix?) throws -> Matrix

    /// ĝ for a diagnostic (probes, evaluation): inference mode, holds nothing and leaves every
    /// held batch untouched.
    func inspect(activation: Matrix, condition: Matrix?) -> Matrix

    /// One optimizer step of L2 regression of the prediction held for `batch` toward `target`;
    /// returns L_M before the step and frees the batch.
    @discardableResult
    func learn(batch: Int, target: Matrix) throws -> Double

    /// Writes the synthesizer's whole state at `path`: parameters, running statistics, its
    /// optimizer, and every batch it holds in flight (input, features, prediction and the saved
    /// forward state its learning step needs), so a resumed run learns exactly what the
    /// uninterrupted one would.
    func saveState(into tree: inout StateTree, path: String)

    /// Reads back what ``saveState(into:path:)`` wrote; the held batches replace any held now.
    /// - Throws: ``InputError`` naming the path when the tree describes another synthesizer.
    func loadState(from tree: StateTree, path: String) throws(InputError)
}

extension Synthesizer {
    /// True for a cDNI synthesizer, which also reads the label.
    public var isConditioned: Bool { conditionSize > 0 }
}

/// A synthesizer asked to learn or predict out of turn: a bug in whatever schedules the
/// stages (an executor), reported instead of training the wrong prediction.
public struct SynthesizerScheduleError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, naming the batch ids.
    public let description: String

    /// An error with `description`.
    public init(_ description: String) { self.description = description }
}
