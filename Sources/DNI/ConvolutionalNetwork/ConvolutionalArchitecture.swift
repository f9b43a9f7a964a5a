import Linalg

/// The paper's CNN as a ``NetworkArchitecture`` (Jaderberg et al. 2016, §3.3): hidden stage i
/// is ``ConvolutionalNetworkConfiguration/hiddenStageBody(_:generator:engine:)`` (5×5
/// convolution → per-channel batch norm + ReLU → 3×3 max pooling, stride 2), the top stage the
/// linear classifier; under DNI and cDNI each hidden stage gets a ``ConvolutionalSynthesizer``
/// on its output map (cDNI: the one-hot label tiled as extra channels).
///
/// Widths (NHWC, flattened): `network.inputShape(ofStage: i).size` for i = 0 … hiddenStages,
/// then `classes`; for MNIST with 3 hidden stages 784 → 12,544 → 3,136 → 1,024 → 10. The
/// configuration's `inputSize` and `outputSize` must equal the first and last of them. From the
/// ``NetworkConfiguration`` this reads the method, the condition width (cDNI) and the
/// synthesizers' optimizer and learning rate (``NetworkConfiguration/synthesizerOptimizer()``);
/// the fully connected fields (`hiddenSizes`, activations, batch norm, initialisation) do not
/// apply. Learns by backprop, DNI or cDNI (feedback alignment needs feedback matrices that the
/// convolution layers do not have).
public struct ConvolutionalArchitecture: NetworkArchitecture, Hashable {
    /// The stages' shapes and layers.
    public var network: ConvolutionalNetworkConfiguration
    /// The synthesizers' layers (DNI, cDNI).
    public var synthesizer: ConvolutionalSynthesizerConfiguration

    /// The CNN `network` with synthesizers shaped by `synthesizer`.
    public init(network: ConvolutionalNetworkConfiguration = ConvolutionalNetworkConfiguration(),
                synthesizer: ConvolutionalSynthesizerConfiguration = ConvolutionalSynthesizerConfiguration()) {
        self.network = network
        self.synthesizer = synthesizer
    }

    public var name: String { "cnn" }

    public func stageCount(of configuration: NetworkConfiguration) -> Int { network.stageCount }

    public func widths(of configuration: NetworkConfiguration) -> [Int] {
        (0...network.hiddenStages).map { network.inputShape(ofStage: $0).size } + [network.classes]
    }

    public func supports(_ method: TrainingMethod) -> Bool {
        method == .backprop || method.usesSynthesizers
    }

    public func makeStageParts(_ index: Int, of configuration: NetworkConfiguration,
                               generator: inout SeededGenerator, engine: GEMMEngine) -> StageParts {
        let method = configuration.method
        precondition(supports(method), "the CNN learns by backprop, dni or cdni, not \(method.rawValue)")
        let widths = widths(of: configuration)
        precondition(configuration.inputSize == widths[0] && configuration.outputSize == widths[widths.count - 1],
                     "the CNN reads \(widths[0]) and writes \(widths[widths.count - 1]) values; the configuration says \(configuration.inputSize) and \(configuration.outputSize)")
        guard index < network.hiddenStages else {
            return StageParts(body: network.topStageBody(generator: &generator, engine: engine))
        }
        var parts = StageParts(body: network.hiddenStageBody(index, generator: &generator, engine: engine))
        if method.usesSynthesizers {
            parts.synthesizer = ConvolutionalSynthesizer(
                activationShape: network.outputShape(ofStage: index),
                conditionSize: method.isConditioned ? configuration.conditionSize : 0,
                configuration: synthesizer, optimizer: configuration.synthesizerOptimizer(),
                generator: &generator, engine: engine)
        }
        return parts
    }

    public func estimatedElements(of configuration: NetworkConfiguration, rows: Double) -> (parameters: Double, activations: Double) {
        let filters = Double(network.filters)
        let kernel = Double(network.convolution.height * network.convolution.width)
        let synthesizerKernel = Double(synthesizer.window.height * synthesizer.window.width)
        let condition = configuration.method.isConditioned ? Double(configuration.conditionSize) : 0
        // Each convolution's chunked patch matrix (at most 2²⁰ floats by default), counted once per layer.
        let patchBuffer = Double(1 << 20)
        var parameters = 0.0, activations = 0.0
        for index in 0..<network.hiddenStages {
            let input = network.inputShape(ofStage: index)
            let convolved = Double(input.pixelCount) * filters
            parameters += kernel * Double(input.channels) * filters + 2 * filters
            // Convolution output, batch norm output and scratch, pooling output, and their gradients.
            activations += 4 * rows * convolved + 2 * rows * Double(network.outputShape(ofStage: index).size) + patchBuffer
            guard configuration.method.usesSynthesizers else { continue }
            let output = network.outputShape(ofStage: index)
            let pixels = Double(output.pixelCount)
            var channels = Double(output.channels) + condition
            for _ in 0..<synthesizer.hiddenLayers {
                parameters += synthesizerKernel * channels * Double(synthesizer.filters) + 2 * Double(synthesizer.filters)
                activations += 4 * rows * pixels * Double(synthesizer.filters) + patchBuffer
                channels = Double(synthesizer.filters)
            }
            parameters += synthesizerKernel * channels * Double(output.channels) + Double(output.channels)
            activations += 4 * rows * pixels * (Double(output.channels) + condition) + patchBuffer
        }
        let features = Double(network.inputShape(ofStage: network.hiddenStages).size)
        parameters += (features + 1) * Double(network.classes)
        activations += 4 * rows * Double(network.classes)
        return (parameters, activations)
    }
}

extension AnyNetworkArchitecture {
    /// The paper's CNN (``ConvolutionalArchitecture``).
    public static func convolutional(_ network: ConvolutionalNetworkConfiguration = ConvolutionalNetworkConfiguration(),
                                     synthesizer: ConvolutionalSynthesizerConfiguration = ConvolutionalSynthesizerConfiguration())
        -> AnyNetworkArchitecture {
        AnyNetworkArchitecture(ConvolutionalArchitecture(network: network, synthesizer: synthesizer))
    }
}
