import Linalg

/// How a forward pass is used, which decides what a layer remembers and updates.
public enum ForwardMode: Sendable {
    /// Training: remember what backward needs; batch normalisation updates its running averages.
    case training
    /// Evaluation: remember nothing; batch normalisation uses its running averages.
    case inference
    /// A diagnostic pass that runs backward but must leave training untouched: like training,
    /// but nothing persistent (running averages) changes.
    case probe
}

/// A differentiable map with a hand-written backward pass (docs/architecture.md).
///
/// Activations are `[batch, features]` matrices. Gradients with respect to activations are
/// *per example*: for a loss L = (1/B) Σₙ ℓₙ, backward receives and returns rows ∂ℓₙ/∂yₙ, so a
/// synthetic gradient does not depend on the batch size. Parameter gradients are batch means,
/// ∂L/∂θ = (1/B) Σₙ ∂ℓₙ/∂θ.
///
/// Layers are classes that own their output and gradient buffers and reuse them from step to
/// step, so a training step allocates nothing once warmed up. The matrix a layer returns shares
/// storage with that buffer: it stays valid until the layer's next call.
public protocol Layer: AnyObject {
    /// Features per input row.
    var inputSize: Int { get }
    /// Features per output row.
    var outputSize: Int { get }
    /// The trainable parameters, in a fixed order (empty for parameter-free layers).
    var parameters: [Parameter] { get }

    /// Computes y = f(x) for a batch `input` of shape `[batch, inputSize]`.
    func forward(_ input: Matrix, mode: ForwardMode) -> Matrix

    /// Given ∂ℓ/∂y for the last training (or probe) forward pass, writes ∂L/∂θ into each
    /// parameter's `gradient` and returns ∂ℓ/∂x — or `Matrix.empty` when
    /// `needsInputGradient` is false (the first layer of a network skips that product).
    ///
    /// Backward uses whatever gradient it is *given*: the true one (backprop) or a synthetic
    /// one (DNI). It releases the saved forward state, so it is called once per forward.
    func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix

    /// A layer computing the same function with the *same* parameters (the same ``Parameter``
    /// objects; for batch norm, the same running statistics) but with buffers and saved state of
    /// its own, so that several batches can be in flight through one set of weights: a
    /// synthesizer holding the predictions of the K batches whose targets have not arrived yet
    /// (delay K), a pipelined stage holding M micro-batches. A replica's backward writes the
    /// shared parameters' `gradient`, so replicas take turns, on one thread.
    func makeReplica() -> any Layer
}

extension Layer {
    /// The number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}
