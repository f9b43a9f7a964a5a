import Linalg

/// The shape of a synthetic input model Iᵢ for a stage of the paper's CNN (the complete unlock,
/// `--network cnn --unlock forward`).
///
/// Iᵢ for stage i, whose input hᵢ₋₁ is an `H × W × C` map, is `i` blocks of
///
///     Convolution2D `window`, `filters` filters, no bias → ChannelBatchNormalization + ReLU
///     → MaxPooling2D `pooling`
///
/// from the image, then a linear 1×1 convolution with bias to the C channels: x
/// `[batch, 28·28·1]` → Iᵢ(x) `[batch, H·W·C]` (NHWC). Each block halves the map the way a
/// stage of the network does (28 → 14 → 7 → 4), so the model reaches stage i's H × W exactly,
/// and every value of Iᵢ(x) is computed from the same receptive field as the real hᵢ₋₁.
/// The defaults (our choice; the paper's input models could not be checked here) are the
/// network's 5×5 convolution and 3×3/2 pooling with 32 filters, half the network's 64: the
/// three models of the 3-stage MNIST CNN then cost about 13.7 M multiply-adds per example
/// forward, against about 26 M for the network's stages (docs/complete-unlock.md).
public struct ConvolutionalSyntheticInputConfiguration: Sendable, Hashable {
    /// Filters of each block's convolution.
    public var filters: Int
    /// Each block's convolution window (default the network's: 5×5, stride 1, padding 2).
    public var window: SlidingWindow
    /// Each block's pooling window (default the network's: 3×3, stride 2, padding 1).
    public var pooling: SlidingWindow

    /// A configuration; `filters` must be positive.
    public init(filters: Int = 32, window: SlidingWindow = SlidingWindow(size: 5, stride: 1, padding: 2),
                pooling: SlidingWindow = SlidingWindow(size: 3, stride: 2, padding: 1)) {
        precondition(filters >= 1, "a convolutional input model needs at least one filter")
        self.filters = filters
        self.window = window
        self.pooling = pooling
    }

    /// The layers of Iᵢ from `input` to `output` with `blocks` blocks (stage i: i blocks), or
    /// nil when the blocks do not reach `output`'s height and width.
    public func layers(input: SpatialShape, output: SpatialShape, blocks: Int,
                       generator: inout SeededGenerator, engine: GEMMEngine = .default) -> Sequential? {
        precondition(blocks >= 1, "a convolutional input model needs at least one block")
        var layers: [any Layer] = []
        var shape = input
        for _ in 0..<blocks {
            guard shape.height + 2 * window.padding >= window.height, shape.width + 2 * window.padding >= window.width
            else { return nil }
            let convolution = Convolution2D(input: shape, filters: filters, window: window, bias: false,
                                            initialization: .he, generator: &generator, engine: engine)
            let normalization = ChannelBatchNormalization(shape: convolution.outputShape, activation: .relu)
            let convolved = convolution.outputShape
            guard convolved.height + 2 * pooling.padding >= pooling.height,
                  convolved.width + 2 * pooling.padding >= pooling.width else { return nil }
            let poolingLayer = MaxPooling2D(input: convolved, window: pooling)
            layers += [convolution, normalization, poolingLayer]
            shape = poolingLayer.outputShape
        }
        guard shape.height == output.height, shape.width == output.width else { return nil }
        layers.append(Convolution2D(input: shape, filters: output.channels, window: SlidingWindow(size: 1), bias: true,
                                    initialization: .glorot, generator: &generator, engine: engine))
        return Sequential(layers)
    }
}

extension SyntheticInputModel {
    /// A convolutional Iᵢ for stage `stage` (≥ 1) of a CNN: from images of `input` to the
    /// stage's input map `output`, `stage` blocks shaped by `configuration.convolutional`
    /// (``ConvolutionalSyntheticInputConfiguration``), Adam at `configuration.learningRate`,
    /// weights drawn from `generator`. Throws ``InputError`` when the blocks cannot reach
    /// `output`'s height and width.
    public convenience init(input: SpatialShape, output: SpatialShape, stage: Int,
                            configuration: SyntheticInputConfiguration,
                            generator: inout SeededGenerator, engine: GEMMEngine = .default) throws {
        guard let layers = configuration.convolutional.layers(input: input, output: output, blocks: stage,
                                                              generator: &generator, engine: engine) else {
            throw InputError("--unlock forward: \(stage) convolution blocks from a \(input) image do not reach stage \(stage)'s \(output) input")
        }
        self.init(network: layers, learningRate: configuration.learningRate)
    }
}
