import Linalg

/// The shape and training of the synthetic input models of the complete unlock.
public struct SyntheticInputConfiguration: Sendable, Hashable {
    /// Hidden layers (Dense → ReLU) before the linear output layer.
    public var hiddenLayers: Int
    /// Units per hidden layer.
    public var hiddenSize: Int
    /// Step size of each model's Adam optimizer.
    public var learningRate: Float
    /// The models of a convolutional network's stages (`hiddenLayers` and `hiddenSize` are the
    /// fully connected models'; `learningRate` applies to both).
    public var convolutional: ConvolutionalSyntheticInputConfiguration

    /// A configuration; the defaults are our choice (the paper's sizes could not be checked here).
    public init(hiddenLayers: Int = 2, hiddenSize: Int = 256, learningRate: Float = 1e-3,
                convolutional: ConvolutionalSyntheticInputConfiguration = ConvolutionalSyntheticInputConfiguration()) {
        precondition(hiddenLayers >= 0 && hiddenSize >= 1 && learningRate > 0, "an input model needs sizes and a learning rate")
        self.hiddenLayers = hiddenLayers
        self.hiddenSize = hiddenSize
        self.learningRate = learningRate
        self.convolutional = convolutional
    }
}

/// A synthetic input model Iᵢ (Jaderberg et al. 2016, §3.4, the complete unlock): predicts the
/// input hᵢ₋₁ of stage i from the data x, Iᵢ(x) ≈ hᵢ₋₁, so that stage i can run forward and
/// update without waiting for the stages below.
///
/// x: `[batch, inputSize]` → Iᵢ(x): `[batch, outputSize]`. Fully connected networks:
/// `hiddenLayers` × (Dense → ReLU), then a linear Dense layer (He weights, zero biases); the
/// paper's CNN: convolution blocks from the image to the stage's input map
/// (``ConvolutionalSyntheticInputConfiguration``). Trained by L2 toward the
/// real hᵢ₋₁ once it is known: L_I = (1/B) Σₙ ½‖Iᵢ(xₙ) − hᵢ₋₁,ₙ‖², one Adam step per batch, the
/// target treated as a constant. A warmed-up predict/learn cycle allocates nothing.
public final class SyntheticInputModel {
    /// The layers.
    public let network: Sequential
    /// The optimizer of the layers' parameters.
    public let optimizer: any Optimizer
    private var prediction = Matrix.empty
    private var error = Matrix.empty
    private var holdsPrediction = false

    /// A model from `inputSize` data features to an `outputSize`-wide stage input, drawn from
    /// `generator`.
    public convenience init(inputSize: Int, outputSize: Int, configuration: SyntheticInputConfiguration,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        var layers: [any Layer] = []
        var width = inputSize
        for _ in 0..<configuration.hiddenLayers {
            layers.append(Dense(inputSize: width, outputSize: configuration.hiddenSize, initialization: .he,
                                activation: .relu, generator: &generator, engine: engine))
            width = configuration.hiddenSize
        }
        layers.append(Dense(inputSize: width, outputSize: outputSize, initialization: .he,
                            generator: &generator, engine: engine))
        self.init(network: Sequential(layers), learningRate: configuration.learningRate)
    }

    /// A model made of `network` (x → Iᵢ(x)), trained by Adam at `learningRate`.
    public init(network: Sequential, learningRate: Float) {
        precondition(learningRate > 0, "an input model needs a positive learning rate")
        self.network = network
        optimizer = Adam(learningRate: learningRate)
    }

    /// Width of the data x.
    public var inputSize: Int { network.inputSize }
    /// Width of the predicted stage input.
    public var outputSize: Int { network.outputSize }

    /// Iᵢ(x) in training mode, held for ``learn(target:)``. Valid until the next call.
    public func predict(_ input: Matrix) -> Matrix {
        prediction = network.forward(input, mode: .training)
        holdsPrediction = true
        return prediction
    }

    /// Iᵢ(x) for a diagnostic (inference mode; holds nothing).
    public func inspect(_ input: Matrix) -> Matrix {
        network.forward(input, mode: .inference)
    }

    /// One optimizer step of L2 regression of the last prediction toward `target` (the real
    /// hᵢ₋₁ of the same batch); returns L_I before the step.
    @discardableResult
    public func learn(target: Matrix) -> Double {
        precondition(holdsPrediction, "an input model learns after a prediction")
        precondition(target.rows == prediction.rows && target.columns == outputSize,
                     "an input model's target must be [\(prediction.rows), \(outputSize)], got \(target.shape)")
        prediction.zip(target, into: &error) { predicted, wanted in predicted - wanted }
        prediction = .empty
        holdsPrediction = false
        let loss = 0.5 * error.dot(error) / Double(max(1, error.rows))
        _ = network.backward(error, needsInputGradient: false)
        optimizer.update(network.parameters)
        return loss
    }
}

extension SyntheticInputModel {
    /// Writes the model's layers (parameters, running statistics) and its optimizer at `path`.
    public func saveState(into tree: inout StateTree, path: String) {
        network.saveState(into: &tree, path: "\(path).network")
        optimizer.saveState(into: &tree, path: "\(path).optimizer")
    }

    /// Reads back what ``saveState(into:path:)`` wrote.
    /// - Throws: ``InputError`` naming the first path that does not fit this model.
    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        try network.loadState(from: tree, path: "\(path).network")
        try optimizer.loadState(from: tree, path: "\(path).optimizer", parameters: network.parameters)
    }
}

/// What a decoupled stage stops waiting for (Jaderberg et al. 2016, §3.4).
public enum UnlockMode: String, Sendable, CaseIterable, Codable {
    /// DNI's update unlock: a stage updates from ĝ without waiting for δ (the default).
    case update
    /// The complete unlock: a stage above the first also runs on a synthetic input Iᵢ(x)
    /// without waiting for hᵢ₋₁ (``ForwardUnlockedExecutor``).
    case forward
}
