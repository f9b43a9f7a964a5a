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
        self.optimizer = optimizer
        self.parameters = layers.flatMap(\.parameters)
    }

    /// ĝ = M(`state`), written into `prediction` (nothing is saved for training).
    public func predict(_ state: Matrix, into prediction: inout Matrix) {
        var activation = state
        for layer in layers { activation = layer.forward(activation, mode: .inference) }
        prediction.assign(activation)
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
