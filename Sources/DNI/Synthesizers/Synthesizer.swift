import Linalg

/// A synthetic gradient model Mᵢ: predicts ĝᵢ = Mᵢ(hᵢ[, c]) ≈ ∂ℓ/∂hᵢ from a stage's output hᵢ
/// and, for cDNI, the label c (Jaderberg et al. 2016, arXiv:1608.05343, §2).
///
/// Lifecycle of one step: ``predict(activation:condition:mode:)`` in `.training` mode remembers
/// its input; later, when the stage above has pushed its own gradient back through itself, the
/// target δ arrives and ``learn(target:)`` takes one regression step on
/// L_M = (1/B) Σₙ ½‖ĝₙ − δₙ‖², with δ treated as a constant.
public protocol Synthesizer: AnyObject {
    /// Width of the activations hᵢ this synthesizer reads (and of the gradient it predicts).
    var activationSize: Int { get }
    /// Width of the condition c (0 for an unconditioned synthesizer).
    var conditionSize: Int { get }
    /// The trainable parameters.
    var parameters: [Parameter] { get }

    /// Returns ĝ for a batch `activation` `[batch, activationSize]` and, when conditioned,
    /// `condition` `[batch, conditionSize]`. In `.training` mode it remembers what ``learn(target:)``
    /// needs; in `.inference` mode (probes, evaluation) it remembers nothing.
    func predict(activation: Matrix, condition: Matrix?, mode: ForwardMode) -> Matrix

    /// One optimizer step of L2 regression of the last training prediction toward `target`;
    /// returns L_M before the step.
    @discardableResult
    func learn(target: Matrix) -> Double
}

extension Synthesizer {
    /// True for a cDNI synthesizer, which also reads the label.
    public var isConditioned: Bool { conditionSize > 0 }
}
