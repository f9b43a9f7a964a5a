import Linalg

/// A block of layers trained as one unit (DESIGN.md §6): its layers, its optimizer and, under
/// DNI, the synthesizer Mᵢ that predicts the gradient of the loss with respect to its output.
public final class Stage {
    /// The layers fᵢ, as one stack.
    public let body: Sequential
    /// The optimizer of the body's parameters (its own state, separate from every other stage).
    public let optimizer: any Optimizer
    /// Mᵢ, present for DNI and cDNI on every stage but the top one.
    public let synthesizer: (any Synthesizer)?
    /// For direct feedback alignment: the fixed `[outputSize of network, outputSize]` matrix
    /// that carries the output error straight to this stage.
    public let directFeedback: Matrix?

    /// A stage of `body` updated by `optimizer`.
    public init(body: Sequential, optimizer: any Optimizer, synthesizer: (any Synthesizer)? = nil,
                directFeedback: Matrix? = nil) {
        if let synthesizer {
            precondition(synthesizer.activationSize == body.outputSize,
                         "the synthesizer reads \(synthesizer.activationSize) features; the stage outputs \(body.outputSize)")
        }
        self.body = body
        self.optimizer = optimizer
        self.synthesizer = synthesizer
        self.directFeedback = directFeedback
    }

    /// Width of the stage input.
    public var inputSize: Int { body.inputSize }
    /// Width of the stage output hᵢ.
    public var outputSize: Int { body.outputSize }
    /// The stage's trainable parameters (not the synthesizer's).
    public var parameters: [Parameter] { body.parameters }

    /// hᵢ = fᵢ(hᵢ₋₁).
    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        body.forward(input, mode: mode)
    }

    /// Pushes `outputGradient` (true or synthetic) back through the stage, writing parameter
    /// gradients; returns δᵢ₋₁ = (∂fᵢ/∂hᵢ₋₁)ᵀ·gradient when `needsInputGradient`.
    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        body.backward(outputGradient, needsInputGradient: needsInputGradient)
    }

    /// Applies the optimizer to the gradients of the last backward pass.
    public func update() {
        optimizer.update(body.parameters)
    }
}
