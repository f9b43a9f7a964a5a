import Linalg

/// The shape of a convolutional synthesizer (Jaderberg et al. 2016, §3.3: the synthetic
/// gradient models of convolutional stages are themselves convolutional, with a zero-initialised
/// output layer, and cDNI's see the label).
///
/// The paper's text gives no sizes that we could check here; the defaults are our choice:
/// two hidden 5×5 convolutions of 64 filters with padding 2 (so the spatial shape never
/// changes and ĝ lines up pixel by pixel with h), each followed by per-channel batch norm and
/// ReLU as the MLP synthesizers of the fully connected networks, then a 5×5 output convolution
/// back to the stage's channels, started at zero.
public struct ConvolutionalSynthesizerConfiguration: Sendable, Hashable {
    /// Hidden convolutions before the output convolution.
    public var hiddenLayers: Int
    /// Filters per hidden convolution.
    public var filters: Int
    /// The window of every convolution; its stride must be 1 and its padding must keep the size
    /// (an odd kernel with padding (k − 1)/2).
    public var window: SlidingWindow
    /// Per-channel batch norm (with ReLU) after each hidden convolution; without it, the
    /// convolutions have a bias and a fused ReLU.
    public var batchNormalization: Bool
    /// True (the paper) to start the output convolution at zero, so that ĝ = 0 at first.
    public var zeroInitialization: Bool
    /// True to regress the targets divided by their running scale σ and predict ĝ = σ·M(h)
    /// (``TargetScale``); false (this type's default) regresses δ itself. Without it the lower
    /// synthesizers of the MNIST CNN stay at cosine ≈ 0 with the true gradient; with it they
    /// reach 0.1–0.25. The MNIST CNN preset turns it on (``MNISTExperiment/normalizesSynthesizerTargets``):
    /// with the stages at Adam 3e-4, one epoch of cDNI ended at 4.30% test error against 6.09%
    /// without (docs/convolution.md).
    public var normalizesTargets: Bool
    /// The targets σ averages over (``TargetScale/horizon``).
    public var targetScaleHorizon: Int

    /// A configuration (see the type's documentation for the defaults).
    public init(hiddenLayers: Int = 2, filters: Int = 64,
                window: SlidingWindow = SlidingWindow(size: 5, stride: 1, padding: 2),
                batchNormalization: Bool = true, zeroInitialization: Bool = true,
                normalizesTargets: Bool = false, targetScaleHorizon: Int = 100) {
        precondition(hiddenLayers >= 0 && filters > 0, "a synthesizer needs ≥ 0 hidden layers and positive filters")
        precondition(targetScaleHorizon >= 1, "the target scale averages over at least one target")
        precondition(window.stride == 1 && window.height == 2 * window.padding + 1 && window.width == 2 * window.padding + 1,
                     "a synthesizer's convolutions must keep the spatial shape (stride 1, odd kernel, padding (k − 1)/2)")
        self.hiddenLayers = hiddenLayers
        self.filters = filters
        self.window = window
        self.batchNormalization = batchNormalization
        self.zeroInitialization = zeroInitialization
        self.normalizesTargets = normalizesTargets
        self.targetScaleHorizon = targetScaleHorizon
    }
}

/// A convolutional synthetic gradient model Mᵢ for a stage whose output hᵢ has shape
/// `activationShape`: ĝ = M(hᵢ) or, conditioned (cDNI), ĝ = M(hᵢ ⊕ c) with the one-hot label c
/// appended to every pixel as constant channels (``ConditionChannels``).
///
/// hᵢ, ĝ: `[batch, H·W·C]` (NHWC); c: `[batch, conditionSize]`. The layers are
/// `[ConditionChannels] → hiddenLayers × (Convolution2D → ChannelBatchNormalization+ReLU) →
/// Convolution2D` (see ``ConvolutionalSynthesizerConfiguration``), every convolution keeping
/// H × W. This type only builds and runs the layer stack: regression toward the true gradient
/// (an L2 loss, an optimizer on ``parameters``) belongs to the trainer, which runs
/// `layers.backward(ĝ − δ, needsInputGradient: false)` after a training ``predict(activation:condition:mode:)``.
public final class ConvolutionalSynthesizerNetwork {
    /// The shape of hᵢ and of ĝ.
    public let activationShape: SpatialShape
    /// Width of the condition c (0 for DNI).
    public let conditionSize: Int
    /// The whole stack, first layer first (the condition layer, when present, is the first).
    public let layers: Sequential
    /// The layer that appends c, nil for DNI.
    public let conditionChannels: ConditionChannels?

    /// A synthesizer for activations of shape `activationShape`, conditioned on `conditionSize`
    /// label columns (0 for plain DNI).
    public init(activationShape: SpatialShape, conditionSize: Int = 0,
                configuration: ConvolutionalSynthesizerConfiguration = ConvolutionalSynthesizerConfiguration(),
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        precondition(conditionSize >= 0, "conditionSize must be non-negative")
        self.activationShape = activationShape
        self.conditionSize = conditionSize
        var stack: [any Layer] = []
        var shape = activationShape
        if conditionSize > 0 {
            let channels = ConditionChannels(input: shape, conditionSize: conditionSize)
            conditionChannels = channels
            stack.append(channels)
            shape = channels.outputShape
        } else {
            conditionChannels = nil
        }
        let window = configuration.window
        for _ in 0..<configuration.hiddenLayers {
            if configuration.batchNormalization {
                let convolution = Convolution2D(input: shape, filters: configuration.filters, window: window, bias: false,
                                                initialization: .he, generator: &generator, engine: engine)
                stack.append(convolution)
                stack.append(ChannelBatchNormalization(shape: convolution.outputShape, activation: .relu))
            } else {
                stack.append(Convolution2D(input: shape, filters: configuration.filters, window: window,
                                           initialization: .he, activation: .relu, generator: &generator, engine: engine))
            }
            shape = shape.with(channels: configuration.filters)
        }
        let lastInitialization: WeightInitialization =
            configuration.zeroInitialization ? .zeros : .uniform(lower: -0.1, upper: 0.1)
        stack.append(Convolution2D(input: shape, filters: activationShape.channels, window: window,
                                   initialization: lastInitialization, generator: &generator, engine: engine))
        layers = Sequential(stack)
    }

    /// A synthesizer sharing `other`'s parameters (and batch-norm running statistics), with
    /// buffers and a condition layer of its own (see ``Layer/makeReplica()``).
    private init(replicating other: ConvolutionalSynthesizerNetwork) {
        activationShape = other.activationShape
        conditionSize = other.conditionSize
        layers = other.layers.replica()
        conditionChannels = other.conditionSize > 0 ? layers.layers.first as? ConditionChannels : nil
    }

    /// A replica for one more batch in flight: same parameters, its own buffers.
    public func makeReplica() -> ConvolutionalSynthesizerNetwork {
        ConvolutionalSynthesizerNetwork(replicating: self)
    }

    /// The trainable parameters of every layer.
    public var parameters: [Parameter] { layers.parameters }

    /// ĝ for a batch `activation` `[batch, H·W·C]` and, when conditioned, `condition`
    /// `[batch, conditionSize]`. The result shares storage with the last layer's buffer (valid
    /// until the next call).
    public func predict(activation: Matrix, condition: Matrix?, mode: ForwardMode) -> Matrix {
        if let conditionChannels {
            guard let condition, condition.rows == activation.rows, condition.columns == conditionSize else {
                preconditionFailure("a conditioned synthesizer needs a [\(activation.rows), \(conditionSize)] condition")
            }
            conditionChannels.condition = condition
        }
        return layers.forward(activation, mode: mode)
    }
}
