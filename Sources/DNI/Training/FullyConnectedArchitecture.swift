import Linalg

/// Fully connected stages, sized by ``NetworkConfiguration``'s `inputSize`, `hiddenSizes` and
/// `outputSize`: a hidden stage is `Dense → [BatchNorm] → activation`, the top stage
/// `Dense → [output activation]`; widths `[inputSize] + hiddenSizes + [outputSize]`.
///
/// The activation is fused into the layer before it: into the dense layer without batch norm
/// (one pass over each row for bias and nonlinearity), into the batch norm with it. Synthesizers
/// are ``MLPSynthesizer``s on the stage output (and, for cDNI, the label).
public struct FullyConnectedArchitecture: NetworkArchitecture, Hashable {
    /// The architecture; every size comes from the configuration.
    public init() {}

    public var name: String { "fc" }

    public func stageCount(of configuration: NetworkConfiguration) -> Int {
        configuration.hiddenSizes.count + 1
    }

    public func widths(of configuration: NetworkConfiguration) -> [Int] {
        [configuration.inputSize] + configuration.hiddenSizes + [configuration.outputSize]
    }

    public func supports(_ method: TrainingMethod) -> Bool { true }

    public func makeStageParts(_ index: Int, of configuration: NetworkConfiguration,
                               generator: inout SeededGenerator, engine: GEMMEngine) -> StageParts {
        let method = configuration.method
        let widths = widths(of: configuration)
        let isTop = index == widths.count - 2
        let fanIn = widths[index], fanOut = widths[index + 1]
        let fusedActivation: ActivationFunction? =
            isTop ? configuration.outputActivation
                  : (configuration.batchNormalization ? nil : configuration.hiddenActivation)
        let dense = Dense(inputSize: fanIn, outputSize: fanOut,
                          bias: isTop || !configuration.batchNormalization,
                          initialization: configuration.initialization, activation: fusedActivation,
                          generator: &generator, engine: engine)
        if method == .fa {
            dense.feedbackWeights = configuration.initialization.matrix(fanIn: fanIn, fanOut: fanOut, using: &generator)
        }
        var layers: [any Layer] = [dense]
        if !isTop && configuration.batchNormalization {
            layers.append(BatchNormalization(size: fanOut, activation: configuration.hiddenActivation))
        }
        var parts = StageParts(body: Sequential(layers))
        if !isTop && method.usesSynthesizers {
            parts.synthesizer = MLPSynthesizer(
                activationSize: fanOut,
                conditionSize: method.isConditioned ? configuration.conditionSize : 0,
                configuration: configuration.synthesizer,
                optimizer: configuration.synthesizerOptimizer(),
                generator: &generator, engine: engine)
        }
        if !isTop && method == .dfa {
            parts.directFeedback = WeightInitialization.glorot.matrix(
                fanIn: configuration.outputSize, fanOut: fanOut, using: &generator)
        }
        return parts
    }

    public func estimatedElements(of configuration: NetworkConfiguration, rows: Double) -> (parameters: Double, activations: Double) {
        let widths = widths(of: configuration).map(Double.init)
        var parameters = 0.0, activations = 0.0
        for index in 0..<(widths.count - 1) {
            let (fanIn, fanOut) = (widths[index], widths[index + 1])
            parameters += (fanIn + 1) * fanOut
            activations += 4 * rows * fanOut
            if configuration.method == .fa { parameters += fanIn * fanOut }
            if configuration.method == .dfa { parameters += widths[widths.count - 1] * fanOut }
            let isTop = index == widths.count - 2
            if !isTop && configuration.method.usesSynthesizers {
                let synthesizer = configuration.synthesizer
                let condition = configuration.method.isConditioned ? Double(configuration.conditionSize) : 0
                let hidden = Double(synthesizer.hiddenSize)
                let layerWidths = [fanOut + condition] + Array(repeating: hidden, count: max(0, synthesizer.hiddenLayers)) + [fanOut]
                for layer in 0..<(layerWidths.count - 1) {
                    parameters += (layerWidths[layer] + 1) * layerWidths[layer + 1]
                    activations += 4 * rows * layerWidths[layer + 1]
                }
            }
        }
        return (parameters, activations)
    }
}
