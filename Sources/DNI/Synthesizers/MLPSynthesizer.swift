import Linalg

/// A synthesizer that is a small network on the stage output hᵢ, or on `[hᵢ | c]` for cDNI:
/// `hiddenLayers` × (Dense → [BatchNorm] → ReLU), then a final Dense layer.
///
/// With no hidden layers it is the post's linear synthesizer, ĝ = h·W (+ b) — and, conditioned,
/// ĝ = h·W + c·U (+ b), the paper's linear cDNI. The paper initialises the last layer to zero
/// so that training starts as if there were no gradient at all (§3 and appendix).
public final class MLPSynthesizer: Synthesizer {
    public let activationSize: Int
    public let conditionSize: Int
    /// The layers mapping the (concatenated) input to ĝ.
    public let network: Sequential
    /// The optimizer of this synthesizer's own parameters.
    public let optimizer: any Optimizer

    private var concatenatedInput = Matrix.empty
    private var prediction = Matrix.empty
    private var error = Matrix.empty
    private var hasPrediction = false

    /// A synthesizer for `activationSize`-wide activations, conditioned on `conditionSize`
    /// label columns (0 for plain DNI).
    public init(activationSize: Int, conditionSize: Int = 0,
                configuration: SynthesizerConfiguration,
                optimizer: any Optimizer,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        self.activationSize = activationSize
        self.conditionSize = conditionSize
        self.optimizer = optimizer
        var layers: [any Layer] = []
        var width = activationSize + conditionSize
        for _ in 0..<configuration.hiddenLayers {
            if configuration.batchNormalization {
                layers.append(Dense(inputSize: width, outputSize: configuration.hiddenSize, bias: false,
                                    initialization: .he, generator: &generator, engine: engine))
                layers.append(BatchNormalization(size: configuration.hiddenSize, activation: .relu))
            } else {
                layers.append(Dense(inputSize: width, outputSize: configuration.hiddenSize, bias: configuration.bias,
                                    initialization: .he, activation: .relu, generator: &generator, engine: engine))
            }
            width = configuration.hiddenSize
        }
        let lastInitialization: WeightInitialization =
            configuration.zeroInitialization ? .zeros : .uniform(lower: -0.1, upper: 0.1)
        layers.append(Dense(inputSize: width, outputSize: activationSize, bias: configuration.bias,
                            initialization: lastInitialization, generator: &generator, engine: engine))
        network = Sequential(layers)
    }

    public var parameters: [Parameter] { network.parameters }

    public func predict(activation: Matrix, condition: Matrix?, mode: ForwardMode) -> Matrix {
        precondition(activation.columns == activationSize,
                     "synthesizer expects \(activationSize)-wide activations, got \(activation.columns)")
        let output: Matrix
        if conditionSize > 0 {
            guard let condition, condition.columns == conditionSize, condition.rows == activation.rows else {
                preconditionFailure("a conditioned synthesizer needs a [\(activation.rows), \(conditionSize)] condition")
            }
            concatenatedInput.concatenateColumns(activation, condition)
            output = network.forward(concatenatedInput, mode: mode)
        } else {
            output = network.forward(activation, mode: mode)
        }
        hasPrediction = mode != .inference
        if hasPrediction { prediction = output }
        return output
    }

    @discardableResult
    public func learn(target: Matrix) -> Double {
        precondition(hasPrediction, "learn(target:) needs a training predict first")
        hasPrediction = false
        prediction.zip(target, into: &error) { predicted, wanted in predicted - wanted }
        prediction = .empty
        let loss = 0.5 * error.dot(error) / Double(max(1, error.rows))
        _ = network.backward(error, needsInputGradient: false)
        optimizer.update(network.parameters)
        return loss
    }
}
