import Linalg

/// A fully connected layer: `y = x·W + b`.
///
/// x: `[batch, inputSize]`, W: `[inputSize, outputSize]`, b: `[1, outputSize]`, y: `[batch, outputSize]`.
/// Backward, for per-example output gradients δ = ∂ℓ/∂y:
/// ∂L/∂W = (1/B)·xᵀ·δ, ∂L/∂b = (1/B)·Σₙ δₙ, ∂ℓ/∂x = δ·Wᵀ.
///
/// With `feedbackWeights` set (feedback alignment, Lillicrap et al. 2016), the input gradient is
/// δ·Bᵀ for that fixed random B instead of δ·Wᵀ.
public final class Dense: Layer {
    public let inputSize: Int
    public let outputSize: Int
    /// W, `[inputSize, outputSize]`.
    public let weight: Parameter
    /// b, `[1, outputSize]`, or nil for a layer without bias.
    public let bias: Parameter?
    /// A fixed `[inputSize, outputSize]` matrix used in place of W when propagating gradients
    /// to the input (feedback alignment); nil for exact backpropagation.
    public var feedbackWeights: Matrix?
    public let parameters: [Parameter]
    /// The kernel that computes the products.
    public let engine: GEMMEngine

    private var output = Matrix.empty
    private var inputGradient = Matrix.empty
    private var savedInput = Matrix.empty

    /// A layer with weights drawn from `initialization` and a zero bias.
    public init(inputSize: Int, outputSize: Int, bias: Bool = true,
                initialization: WeightInitialization = .glorot,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.engine = engine
        weight = Parameter(name: "weight",
                           value: initialization.matrix(fanIn: inputSize, fanOut: outputSize, using: &generator))
        self.bias = bias ? Parameter(name: "bias", value: Matrix(rows: 1, columns: outputSize)) : nil
        parameters = [weight] + (self.bias.map { [$0] } ?? [])
    }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize, "Dense expects \(inputSize) input features, got \(input.columns)")
        engine.multiply(input, weight.value, into: &output)
        if let bias { output.addRowVector(bias.value) }
        savedInput = mode == .inference ? .empty : input
        return output
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        let batch = savedInput.rows
        precondition(batch > 0 && outputGradient.rows == batch && outputGradient.columns == outputSize,
                     "Dense.backward needs a training forward pass and a [\(batch), \(outputSize)] gradient")
        let scale = 1 / Float(batch)
        engine.multiply(savedInput, transposeA: true, outputGradient, alpha: scale, into: &weight.gradient)
        if let bias { outputGradient.sumRows(scale: scale, into: &bias.gradient) }
        savedInput = .empty
        guard needsInputGradient else { return .empty }
        engine.multiply(outputGradient, feedbackWeights ?? weight.value, transposeB: true, into: &inputGradient)
        return inputGradient
    }
}
