import Linalg

/// A fully connected layer: `y = x·W + b`, or `y = f(x·W + b)` with a fused `activation`.
///
/// x: `[batch, inputSize]`, W: `[inputSize, outputSize]`, b: `[1, outputSize]`, y: `[batch, outputSize]`.
/// Backward, for per-example output gradients δ = ∂ℓ/∂y:
/// ∂L/∂W = (1/B)·xᵀ·δ, ∂L/∂b = (1/B)·Σₙ δₙ, ∂ℓ/∂x = δ·Wᵀ.
///
/// A fused activation f adds the bias and applies f in one pass over each row (saving a pass
/// over memory against `Dense` followed by ``Activation``); backward first forms
/// δ = ∂ℓ/∂y ⊙ f′ from the saved output.
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
    /// The nonlinearity applied after the bias, or nil for an affine layer.
    public let activation: ActivationFunction?
    /// The kernel that computes the products.
    public let engine: GEMMEngine

    private var output = Matrix.empty
    private var inputGradient = Matrix.empty
    private var savedInput = Matrix.empty
    private var preActivationGradient = Matrix.empty

    /// A layer with weights drawn from `initialization` and a zero bias.
    public init(inputSize: Int, outputSize: Int, bias: Bool = true,
                initialization: WeightInitialization = .glorot, activation: ActivationFunction? = nil,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        self.inputSize = inputSize
        self.activation = activation
        self.outputSize = outputSize
        self.engine = engine
        weight = Parameter(name: "weight",
                           value: initialization.matrix(fanIn: inputSize, fanOut: outputSize, using: &generator))
        self.bias = bias ? Parameter(name: "bias", value: Matrix(rows: 1, columns: outputSize)) : nil
        parameters = [weight] + (self.bias.map { [$0] } ?? [])
    }

    /// A replica of `other`: the same parameters, engine and feedback matrix, buffers of its own.
    private init(replicating other: Dense) {
        inputSize = other.inputSize
        outputSize = other.outputSize
        activation = other.activation
        engine = other.engine
        weight = other.weight
        bias = other.bias
        feedbackWeights = other.feedbackWeights
        parameters = other.parameters
    }

    public func makeReplica() -> any Layer { Dense(replicating: self) }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize, "Dense expects \(inputSize) input features, got \(input.columns)")
        engine.multiply(input, weight.value, into: &output)
        switch activation {
        case nil:
            if let bias { output.addRowVector(bias.value) }
        case .sigmoid:
            output.formSigmoid(addingRowVector: bias?.value)
        case .relu:
            output.formRectifiedLinear(addingRowVector: bias?.value)
        case .tanh:
            if let bias { output.addRowVector(bias.value) }
            ActivationFunction.tanh.formActivation(&output)
        }
        savedInput = mode == .inference ? .empty : input
        return output
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        let batch = savedInput.rows
        precondition(batch > 0 && outputGradient.rows == batch && outputGradient.columns == outputSize,
                     "Dense.backward needs a training forward pass and a [\(batch), \(outputSize)] gradient")
        let scale = 1 / Float(batch)
        let delta: Matrix
        if let activation {
            activation.inputGradient(outputGradient, output: output, into: &preActivationGradient)
            delta = preActivationGradient
        } else {
            delta = outputGradient
        }
        engine.multiply(savedInput, transposeA: true, delta, alpha: scale, into: &weight.gradient)
        if let bias { delta.sumRows(scale: scale, into: &bias.gradient) }
        savedInput = .empty
        guard needsInputGradient else { return .empty }
        engine.multiply(delta, feedbackWeights ?? weight.value, transposeB: true, into: &inputGradient)
        return inputGradient
    }
}

extension Dense: ForwardStateSaving {
    public var heldRows: Int? { savedInput.rows }

    public func saveForwardState(into tree: inout StateTree, path: String) {
        guard savedInput.rows > 0 else { return }
        tree.set("\(path).saved_input", matrix: savedInput)
        if activation != nil { tree.set("\(path).saved_output", matrix: output) }
    }

    public func loadForwardState(from tree: StateTree, path: String) throws(InputError) {
        guard tree.contains("\(path).saved_input") else {
            savedInput = .empty
            return
        }
        let input = try tree.matrix("\(path).saved_input")
        guard input.columns == inputSize else {
            throw InputError("'\(path).saved_input' has \(input.columns) columns, this layer reads \(inputSize)")
        }
        savedInput = input
        if activation != nil { output = try tree.matrix("\(path).saved_output", rows: input.rows, columns: outputSize) }
    }
}
