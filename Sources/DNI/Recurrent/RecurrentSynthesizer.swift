import Linalg

/// A synthetic-gradient model for a recurrent core: ĝ = M(s) ≈ ∂L_future/∂s, the gradient that
/// would flow back into the state s from beyond the truncation window (Jaderberg et al. 2016,
/// §3.1, Fig. 3).
///
/// s: `[B, stateSize]` (an LSTM's `[h | c]`), ĝ: `[B, stateSize]`. The default is one linear map
/// ĝ = s·W + b with W = 0 and b = 0 at the start, so training begins as plain truncated BPTT;
/// `hiddenLayers > 0` puts ReLU layers before that zero-initialised output layer.
///
/// Training is regression by L2 toward a bootstrapped target δ (the gradient that reached the
/// next window's initial state, itself including that window's scaled synthetic gradient):
/// ℓ = ½‖M(s) − δ‖² per row, δ treated as a constant.
public final class RecurrentSynthesizer {
    /// The layers, input to output; the last one is linear and starts at zero.
    public let layers: [Dense]
    /// The optimizer of every layer's parameters.
    public let optimizer: any Optimizer
    /// Every trainable parameter, in layer order.
    public let parameters: [Parameter]
    private var errorBuffer = Matrix.empty
    /// Linear synthesizer: the stacked states [s_T; s₀] and their predictions, one product for both.
    private var stacked = Matrix.empty, stackedPrediction = Matrix.empty
    /// The state whose prediction ``learn(target:)`` regresses (s₀ of the window).
    private var rememberedState = Matrix.empty
    private let engine: GEMMEngine

    /// A synthesizer for states of `stateSize` columns.
    public init(stateSize: Int, hiddenLayers: Int = 0, hiddenSize: Int = 1024, optimizer: any Optimizer,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        var layers: [Dense] = []
        var width = stateSize
        for _ in 0..<hiddenLayers {
            layers.append(Dense(inputSize: width, outputSize: hiddenSize, initialization: .he, activation: .relu,
                                generator: &generator, engine: engine))
            width = hiddenSize
        }
        layers.append(Dense(inputSize: width, outputSize: stateSize, initialization: .zeros,
                            generator: &generator, engine: engine))
        self.layers = layers
        self.engine = engine
        self.optimizer = optimizer
        self.parameters = layers.flatMap(\.parameters)
    }

    /// ĝ = M(`state`), written into `prediction` (nothing is saved for training).
    public func predict(_ state: Matrix, into prediction: inout Matrix) {
        var activation = state
        for layer in layers { activation = layer.forward(activation, mode: .inference) }
        prediction.assign(activation)
    }

    /// ĝ = M(`finalState`) into `prediction`, and remembers `initialState` (s₀) and — for the linear
    /// synthesizer — M(s₀) from the same product, for ``learn(target:)`` after the window's backward
    /// pass. Both predictions use the same parameters, so this equals two separate forward passes.
    /// `initialState` must not change before ``learn(target:)``.
    public func predict(_ finalState: Matrix, rememberingPredictionAt initialState: Matrix, into prediction: inout Matrix) {
        rememberedState = initialState
        guard layers.count == 1 else {
            predict(finalState, into: &prediction)
            return
        }
        let rows = finalState.rows, columns = finalState.columns
        precondition(initialState.rows == rows && initialState.columns == columns, "the two states must have the same shape")
        stacked.resize(rows: 2 * rows, columns: columns)
        stacked.withUnsafeMutableBufferPointer { d in
            finalState.withUnsafeBufferPointer { d.baseAddress!.update(from: $0.baseAddress!, count: rows * columns) }
            initialState.withUnsafeBufferPointer { (d.baseAddress! + rows * columns).update(from: $0.baseAddress!, count: rows * columns) }
        }
        let layer = layers[0]
        engine.multiply(stacked, layer.weight.value, into: &stackedPrediction)
        if let bias = layer.bias { stackedPrediction.addRowVector(bias.value) }
        prediction.resize(rows: rows, columns: columns)
        stackedPrediction.withUnsafeBufferPointer { p in
            prediction.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: p.baseAddress!, count: rows * columns) }
        }
    }

    /// One regression step of M at the remembered s₀ toward `target` (δ₀): as
    /// ``learn(state:target:)``, reusing M(s₀) from ``predict(_:rememberingPredictionAt:into:)``
    /// for the linear synthesizer. Returns ℓ = (1/B) Σₙ ½‖M(s₀ₙ) − δ₀ₙ‖².
    @discardableResult
    public func learn(target: Matrix) -> Double {
        defer { rememberedState = .empty }
        guard layers.count == 1 else { return learn(state: rememberedState, target: target) }
        let rows = target.rows, columns = target.columns
        precondition(stackedPrediction.rows == 2 * rows && rememberedState.rows == rows,
                     "learn(target:) needs predict(_:rememberingPredictionAt:into:) first")
        errorBuffer.resize(rows: rows, columns: columns)
        var squares = 0.0
        stackedPrediction.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { t in
                errorBuffer.withUnsafeMutableBufferPointer { e in
                    let offset = rows * columns
                    for i in 0..<(rows * columns) {
                        let difference = p[offset + i] - t[i]
                        e[i] = difference
                        squares += Double(difference * difference)
                    }
                }
            }
        }
        // ∂L/∂W = (1/B)·s₀ᵀ·(M(s₀) − δ₀), ∂L/∂b = (1/B)·Σₙ (M(s₀ₙ) − δ₀ₙ).
        let layer = layers[0], scale = 1 / Float(rows)
        engine.multiply(rememberedState, transposeA: true, errorBuffer, alpha: scale, into: &layer.weight.gradient)
        if let bias = layer.bias { errorBuffer.sumRows(scale: scale, into: &bias.gradient) }
        optimizer.update(parameters)
        return 0.5 * squares / Double(max(1, rows))
    }

    /// One regression step of M toward `target` at `state`: ℓ = (1/B) Σₙ ½‖M(sₙ) − δₙ‖²
    /// (returned), gradient M(s) − δ per row, one optimizer update. `target` is a constant.
    @discardableResult
    public func learn(state: Matrix, target: Matrix) -> Double {
        var activation = state
        for layer in layers { activation = layer.forward(activation, mode: .training) }
        activation.zip(target, into: &errorBuffer) { $0 - $1 }
        activation = .empty
        let loss = 0.5 * errorBuffer.dot(errorBuffer) / Double(max(1, state.rows))
        var gradient = errorBuffer
        for (index, layer) in layers.enumerated().reversed() {
            gradient = layer.backward(gradient, needsInputGradient: index > 0)
        }
        gradient = .empty
        optimizer.update(parameters)
        return loss
    }
}
