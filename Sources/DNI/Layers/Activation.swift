import Linalg

/// A layer applying ``ActivationFunction`` element-wise: `y = f(x)`, `∂ℓ/∂x = ∂ℓ/∂y ⊙ f′`,
/// with f′ computed from the saved output y.
public final class Activation: Layer {
    /// The function applied.
    public let function: ActivationFunction
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    public var parameters: [Parameter] { [] }

    private var output = Matrix.empty
    private var inputGradient = Matrix.empty
    private var hasSavedOutput = false

    /// An activation layer over `size` features.
    public init(_ function: ActivationFunction, size: Int) {
        self.function = function
        self.inputSize = size
    }

    public func makeReplica() -> any Layer { Activation(function, size: inputSize) }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        switch function {
        case .sigmoid: input.sigmoid(into: &output)
        case .relu: input.map(into: &output) { max($0, 0) }
        case .tanh: input.map(into: &output) { hyperbolicTangent($0) }
        }
        hasSavedOutput = mode != .inference
        return output
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        precondition(hasSavedOutput, "Activation.backward needs a training forward pass first")
        hasSavedOutput = false
        guard needsInputGradient else { return .empty }
        function.inputGradient(outputGradient, output: output, into: &inputGradient)
        return inputGradient
    }
}
