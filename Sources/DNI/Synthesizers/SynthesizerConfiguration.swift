import Linalg

/// The shape and training of the synthesizers of a network.
public struct SynthesizerConfiguration: Sendable, Equatable {
    /// Hidden layers of the synthesizer MLP: 0 is the post's linear synthesizer (ĝ = h·W),
    /// 2 the paper's DNI synthesizer for MNIST.
    public var hiddenLayers: Int
    /// Units per hidden layer (paper: 1024).
    public var hiddenSize: Int
    /// Whether each synthesizer layer has a bias.
    public var bias: Bool
    /// True (the paper) to start the last layer at zero, so that training begins with ĝ = 0;
    /// false for the post's random initialisation.
    public var zeroInitialization: Bool
    /// Batch normalisation after each hidden layer (paper: yes).
    public var batchNormalization: Bool
    /// Step size of the synthesizer's optimizer.
    public var learningRate: Float
    /// The synthesizer's optimizer, or nil for the same kind as the stages'.
    public var optimizer: OptimizerKind?

    /// A configuration; the defaults are the post's linear synthesizer with the paper's zero init.
    public init(hiddenLayers: Int = 0, hiddenSize: Int = 1024, bias: Bool = true,
                zeroInitialization: Bool = true, batchNormalization: Bool = false,
                learningRate: Float = 0.01, optimizer: OptimizerKind? = nil) {
        self.hiddenLayers = hiddenLayers
        self.hiddenSize = hiddenSize
        self.bias = bias
        self.zeroInitialization = zeroInitialization
        self.batchNormalization = batchNormalization
        self.learningRate = learningRate
        self.optimizer = optimizer
    }
}
