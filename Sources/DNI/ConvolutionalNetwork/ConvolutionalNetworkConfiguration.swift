import Linalg

/// The convolutional network of Jaderberg et al. 2016 (arXiv:1608.05343, §3.3 and Table 1),
/// cut into stages: `hiddenStages` hidden stages, each one convolution block, then a top
/// stage holding the linear classifier.
///
/// Hidden stage i maps `[batch, inputShape(ofStage: i).size]` to
/// `[batch, outputShape(ofStage: i).size]` (NHWC, see ``SpatialShape``):
///
///     Convolution2D 5×5, 64 filters, stride 1, padding 2   (keeps H × W)
///     → ChannelBatchNormalization with ReLU fused
///     → MaxPooling2D 3×3, stride 2, padding 1              (H × W → ⌈H/2⌉ × ⌈W/2⌉)
///
/// and the top stage is `Dense(H·W·64 → classes)` on the last hidden output read as it is
/// (flattening NHWC is the identity). For MNIST with 3 hidden stages the shapes are
/// 28×28×1 → 14×14×64 → 7×7×64 → 4×4×64 → 10.
///
/// **What the paper states:** each hidden layer is a 5×5 convolution with 64 filters, batch
/// normalisation, ReLU and 3×3 max pooling with stride 2, followed by a linear classifier; DNI
/// sits between the layers. **What we chose where it is silent:** padding 2 for the convolution
/// ("same" size, so that only pooling shrinks the maps) and 1 for the pooling (so that 28 →
/// 14 → 7 → 4, as TensorFlow's "SAME" pooling gives); no convolution bias (batch normalisation's
/// β makes it redundant); He-normal convolution weights and Glorot classifier weights; batch
/// norm momentum 0.1, ε = 1e-5 as ``BatchNormalization``.
public struct ConvolutionalNetworkConfiguration: Sendable, Hashable {
    /// One example's input (MNIST: 28×28×1; CIFAR-10: 32×32×3).
    public var input: SpatialShape
    /// Classes of the linear classifier.
    public var classes: Int
    /// Hidden (convolutional) stages; the network has one more stage, the classifier.
    public var hiddenStages: Int
    /// Filters of every hidden convolution (paper: 64).
    public var filters: Int
    /// The hidden convolutions' window (paper: 5×5; stride 1 and padding 2 are our choice).
    public var convolution: SlidingWindow
    /// The max-pooling window (paper: 3×3, stride 2; padding 1 is our choice).
    public var pooling: SlidingWindow
    /// Whether the convolutions have a bias (default false: batch norm follows).
    public var convolutionBias: Bool

    /// The paper's CNN on `input` with `hiddenStages` hidden stages.
    public init(input: SpatialShape = SpatialShape(height: 28, width: 28, channels: 1), classes: Int = 10,
                hiddenStages: Int = 3, filters: Int = 64,
                convolution: SlidingWindow = SlidingWindow(size: 5, stride: 1, padding: 2),
                pooling: SlidingWindow = SlidingWindow(size: 3, stride: 2, padding: 1),
                convolutionBias: Bool = false) {
        precondition(hiddenStages >= 0 && classes > 0 && filters > 0, "a CNN needs classes, filters and ≥ 0 hidden stages")
        self.input = input
        self.classes = classes
        self.hiddenStages = hiddenStages
        self.filters = filters
        self.convolution = convolution
        self.pooling = pooling
        self.convolutionBias = convolutionBias
    }

    /// Stages in all: the hidden ones and the classifier.
    public var stageCount: Int { hiddenStages + 1 }

    /// The shape stage `index` reads (stage 0 reads the image).
    public func inputShape(ofStage index: Int) -> SpatialShape {
        precondition(index >= 0 && index <= hiddenStages, "stage \(index) of \(stageCount)")
        var shape = input
        for _ in 0..<index { shape = hiddenOutputShape(from: shape) }
        return shape
    }

    /// The shape hidden stage `index` writes: after its convolution and its pooling.
    public func outputShape(ofStage index: Int) -> SpatialShape {
        precondition(index >= 0 && index < hiddenStages, "hidden stage \(index) of \(hiddenStages)")
        return hiddenOutputShape(from: inputShape(ofStage: index))
    }

    private func hiddenOutputShape(from shape: SpatialShape) -> SpatialShape {
        let convolved = convolution.outputShape(for: shape, channels: filters)
        return pooling.outputShape(for: convolved, channels: filters)
    }

    /// The layers of hidden stage `index`: convolution → batch norm + ReLU → max pooling.
    public func hiddenStageBody(_ index: Int, generator: inout SeededGenerator,
                                engine: GEMMEngine = .default) -> Sequential {
        let shape = inputShape(ofStage: index)
        let convolutionLayer = Convolution2D(input: shape, filters: filters, window: convolution, bias: convolutionBias,
                                             initialization: .he, generator: &generator, engine: engine)
        let normalization = ChannelBatchNormalization(shape: convolutionLayer.outputShape, activation: .relu)
        let poolingLayer = MaxPooling2D(input: convolutionLayer.outputShape, window: pooling)
        return Sequential([convolutionLayer, normalization, poolingLayer])
    }

    /// The layers of the top stage: the linear classifier on the flattened last hidden output.
    public func topStageBody(generator: inout SeededGenerator, engine: GEMMEngine = .default) -> Sequential {
        Sequential([Dense(inputSize: inputShape(ofStage: hiddenStages).size, outputSize: classes,
                          initialization: .glorot, generator: &generator, engine: engine)])
    }

    /// Every stage body, input side first (`hiddenStages` hidden ones, then the classifier).
    public func stageBodies(generator: inout SeededGenerator, engine: GEMMEngine = .default) -> [Sequential] {
        (0..<hiddenStages).map { hiddenStageBody($0, generator: &generator, engine: engine) }
            + [topStageBody(generator: &generator, engine: engine)]
    }
}
