import Linalg

/// Everything needed to build a feed-forward ``Network`` whose hidden layers are its stages.
///
/// Layout: the ``architecture``'s. By default (fully connected) for each hidden size, one stage
/// `Dense → [BatchNorm] → activation`; then a top stage `Dense → [output activation]` on which
/// the loss sits. Under DNI and cDNI every stage but the top one gets its own synthesizer and
/// its own optimizer state.
public struct NetworkConfiguration: Sendable, Equatable {
    /// Width of an input row.
    public var inputSize: Int
    /// Widths of the hidden layers (the post: 128, 64; the paper: 3–6 × 256).
    public var hiddenSizes: [Int]
    /// Width of the output.
    public var outputSize: Int
    /// Nonlinearity of the hidden layers.
    public var hiddenActivation: ActivationFunction
    /// Nonlinearity of the output layer, or nil for a linear output (logits for softmax).
    public var outputActivation: ActivationFunction?
    /// Batch normalisation before each hidden activation (the paper's MNIST networks).
    public var batchNormalization: Bool
    /// Initialisation of the layers' weights.
    public var initialization: WeightInitialization
    /// How the stages learn.
    public var method: TrainingMethod
    /// The optimizer of every stage and synthesizer.
    public var optimizer: OptimizerKind
    /// Step size of the stages' optimizers.
    public var learningRate: Float
    /// The synthesizers (for DNI and cDNI).
    public var synthesizer: SynthesizerConfiguration
    /// Width of the label that cDNI synthesizers read (defaults to `outputSize`).
    public var conditionSize: Int
    /// Probability that a stage applies its update on a step (1: always; paper: down to 0.05).
    public var updateProbability: Double
    /// Seed of the initial weights and of the update draws.
    public var seed: UInt64
    /// What the stages are made of and how they and their synthesizers are built (default:
    /// fully connected, from `inputSize`, `hiddenSizes` and `outputSize`).
    public var architecture: AnyNetworkArchitecture

    /// A configuration with the post's defaults for anything not given.
    public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int,
                hiddenActivation: ActivationFunction = .sigmoid,
                outputActivation: ActivationFunction? = .sigmoid,
                batchNormalization: Bool = false,
                initialization: WeightInitialization = .glorot,
                method: TrainingMethod = .backprop,
                optimizer: OptimizerKind = .sgd,
                learningRate: Float = 0.5,
                synthesizer: SynthesizerConfiguration = SynthesizerConfiguration(),
                conditionSize: Int? = nil,
                updateProbability: Double = 1,
                seed: UInt64 = 1,
                architecture: AnyNetworkArchitecture = .fullyConnected) {
        self.inputSize = inputSize
        self.hiddenSizes = hiddenSizes
        self.outputSize = outputSize
        self.hiddenActivation = hiddenActivation
        self.outputActivation = outputActivation
        self.batchNormalization = batchNormalization
        self.initialization = initialization
        self.method = method
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.synthesizer = synthesizer
        self.conditionSize = conditionSize ?? outputSize
        self.updateProbability = updateProbability
        self.seed = seed
        self.architecture = architecture
    }
}
