import Linalg

/// A synthetic-gradient model for a recurrent core: ĝ = M(s) ≈ ∂L_future/∂s, the gradient that
/// would flow back into the state s from beyond the truncation window (Jaderberg et al. 2016,
/// §3.1, Fig. 3).
///
/// s: `[B, stateSize]` (an LSTM's `[h | c]`), ĝ: `[B, stateSize]`. The default is one linear map
/// ĝ = s·W + b with W = 0 and b = 0 at the start, so training begins as plain truncated BPTT;
/// `hiddenLayers > 0` puts ReLU layers before that zero-initialised output layer. `rank: r` keeps
/// the map linear but factors it through r columns, ĝ = (s·U)·V + b with U drawn N(0, stateSize/r²)
/// (see the initialiser) and V = 0: 2·stateSize·r weights instead of stateSize², so its products cost r/stateSize of the
/// full map's per window (trained like the MLP, by recomputing M(s₀) when learning).
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
    /// Linear synthesizer: the prediction of the last ``predict(_:rememberingFor:into:)`` (made at
    /// a window's end, s_T) and the one before it (made at the previous window's end = this
    /// window's s₀), which ``learn(target:)`` regresses.
    private var pendingPrediction = Matrix.empty, rememberedPrediction = Matrix.empty
    private var hasRememberedPrediction = false
    /// The state whose prediction ``learn(target:)`` regresses (s₀ of the window).
    private var rememberedState = Matrix.empty
    private let engine: GEMMEngine
    /// Linear synthesizer: when true, ``learn(target:)`` regresses ĝ₀ = M(s₀) recomputed with the
    /// current parameters from the remembered s₀ (one more product per window); when false, the
    /// prediction made at the previous window's end, with the parameters of one update ago.
    public var recomputesPrediction = false

    /// A synthesizer for states of `stateSize` columns.
    /// `rank` (nil: full) factors the linear synthesizer through that many columns; it needs
    /// `hiddenLayers == 0`.
    public init(stateSize: Int, hiddenLayers: Int = 0, hiddenSize: Int = 1024, rank: Int? = nil, optimizer: any Optimizer,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        precondition(rank == nil || (hiddenLayers == 0 && rank! >= 1), "a low-rank synthesizer is linear: rank ≥ 1, no hidden layers")
        var layers: [Dense] = []
        var width = stateSize
        if let rank {
            // The projection u = s·U: no bias, no nonlinearity. Adam moves every weight of V by
            // about its step size, so a step moves ĝ = u·V by about ‖u‖₁·lr, and the full map's
            // by ‖s‖₁·lr. U ~ N(0, stateSize/rank²) makes ‖u‖₁ ≈ ‖s‖₁: the factored map learns
            // as fast as the full one at the same --synthesizer-learning-rate.
            layers.append(Dense(inputSize: stateSize, outputSize: rank, bias: false,
                                initialization: .normal(standardDeviation: Float(stateSize).squareRoot() / Float(rank)),
                                generator: &generator, engine: engine))
            width = rank
        }
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

    /// ĝ = M(`finalState`) into `prediction`, remembering what ``learn(target:)`` needs after the
    /// window's backward pass: `initialState` (s₀, which must not change until then) and, for the
    /// linear synthesizer, ĝ itself — the prediction the *next* window's target regresses.
    public func predict(_ finalState: Matrix, rememberingFor initialState: Matrix, into prediction: inout Matrix) {
        rememberedState = initialState
        predict(finalState, into: &prediction)
        if layers.count == 1 { pendingPrediction.assign(prediction) }
    }

    /// One regression step of M at s₀ toward δ₀ = `target`, after
    /// ``predict(_:rememberingFor:into:)``. Returns ℓ = (1/B) Σₙ ½‖ĝₙ − δ₀ₙ‖².
    ///
    /// With hidden layers, ĝ = M(s₀) is recomputed (``learn(state:target:)``). The linear
    /// synthesizer instead regresses the prediction it made at the previous window's end, whose
    /// last state is s₀ — ĝ = M′(s₀) for the parameters M′ had then, one update ago — so a window
    /// costs one product for ĝ and one for ∂L/∂W = (1/B)·s₀ᵀ·(ĝ − δ₀), instead of two forward
    /// passes (the delay-1 synthesizer of docs/decoupled-execution.md, which learns on what it predicted). The
    /// first window has no earlier prediction and does not update M.
    @discardableResult
    public func learn(target: Matrix) -> Double {
        defer { rememberedState = .empty }
        guard layers.count == 1 else { return learn(state: rememberedState, target: target) }
        defer {
            swap(&rememberedPrediction, &pendingPrediction)
            hasRememberedPrediction = true
        }
        guard hasRememberedPrediction else { return 0 }
        let rows = target.rows, columns = target.columns
        precondition(rememberedPrediction.rows == rows && rememberedPrediction.columns == columns && rememberedState.rows == rows,
                     "learn(target:) needs predict(_:rememberingFor:into:) first")
        if recomputesPrediction {
            // ĝ₀ = s₀·W + b with the parameters M has now.
            engine.multiply(rememberedState, layers[0].weight.value, into: &rememberedPrediction)
            if let bias = layers[0].bias { rememberedPrediction.addRowVector(bias.value) }
        }
        errorBuffer.resize(rows: rows, columns: columns)
        var squares = 0.0
        rememberedPrediction.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { t in
                errorBuffer.withUnsafeMutableBufferPointer { e in
                    for i in 0..<(rows * columns) {
                        let difference = p[i] - t[i]
                        e[i] = difference
                        squares += Double(difference * difference)
                    }
                }
            }
        }
        // ∂L/∂W = (1/B)·s₀ᵀ·(ĝ − δ₀), ∂L/∂b = (1/B)·Σₙ (ĝₙ − δ₀ₙ).
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

extension RecurrentSynthesizer {
    /// Writes the layers, the optimizer and the prediction the next window's learning step
    /// regresses (the linear synthesizer's one-window-old prediction).
    func saveState(into tree: inout StateTree, path: String) {
        for (index, parameter) in parameters.enumerated() { tree.set("\(path).parameter.\(index)", matrix: parameter.value) }
        optimizer.saveState(into: &tree, path: "\(path).optimizer")
        if hasRememberedPrediction { tree.set("\(path).remembered_prediction", matrix: rememberedPrediction) }
    }

    /// Reads back what ``saveState(into:path:)`` wrote.
    func loadState(from tree: StateTree, path: String, batchSize: Int) throws(InputError) {
        for (index, parameter) in parameters.enumerated() {
            try tree.load("\(path).parameter.\(index)", into: &parameter.value)
        }
        try optimizer.loadState(from: tree, path: "\(path).optimizer", parameters: parameters)
        hasRememberedPrediction = tree.contains("\(path).remembered_prediction")
        rememberedPrediction = hasRememberedPrediction ? try tree.matrix("\(path).remembered_prediction") : .empty
        guard !hasRememberedPrediction || (rememberedPrediction.columns == layers[layers.count - 1].outputSize
                                           && rememberedPrediction.rows == batchSize) else {
            throw InputError("'\(path).remembered_prediction' is \(rememberedPrediction.shape), not [\(batchSize), \(layers[layers.count - 1].outputSize)]")
        }
    }
}
