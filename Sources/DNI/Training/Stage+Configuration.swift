import Linalg

extension Stage {
    /// Stage `index` of the network that `configuration` describes, built alone: its weights,
    /// feedback matrices and synthesizer come from its own random stream
    /// (`SeededGenerator(seed: configuration.seed, stream: index)`), so a thread or an MPI rank
    /// can build just the stages it owns and get the same stages as everyone else.
    ///
    /// Layout: a hidden stage is `Dense → [BatchNorm] → activation`, the top stage
    /// `Dense → [output activation]`. The activation is fused into the layer before it: into the
    /// dense layer without batch norm (one pass over each row for bias and nonlinearity), into
    /// the batch norm with it.
    public convenience init(configuration: NetworkConfiguration, index: Int, engine: GEMMEngine = .default) {
        precondition((0..<configuration.stageCount).contains(index), "stage \(index) is not in the network")
        var generator = SeededGenerator(seed: configuration.seed, stream: UInt64(index))
        let method = configuration.method
        let widths = configuration.widths
        let isTop = index == configuration.stageCount - 1
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
        var synthesizer: (any Synthesizer)?
        var directFeedback: Matrix?
        if !isTop && method.usesSynthesizers {
            synthesizer = MLPSynthesizer(
                activationSize: fanOut,
                conditionSize: method.isConditioned ? configuration.conditionSize : 0,
                configuration: configuration.synthesizer,
                optimizer: (configuration.synthesizer.optimizer ?? configuration.optimizer)
                    .make(learningRate: configuration.synthesizer.learningRate),
                generator: &generator, engine: engine)
        }
        if !isTop && method == .dfa {
            directFeedback = WeightInitialization.glorot.matrix(
                fanIn: configuration.outputSize, fanOut: fanOut, using: &generator)
        }
        self.init(body: Sequential(layers),
                  optimizer: configuration.optimizer.make(learningRate: configuration.learningRate),
                  synthesizer: synthesizer, directFeedback: directFeedback, generator: generator)
    }
}

extension NetworkConfiguration {
    /// Widths of the stage boundaries: input, each hidden layer, output.
    public var widths: [Int] { [inputSize] + hiddenSizes + [outputSize] }

    /// Number of stages: one per hidden layer, plus the top stage.
    public var stageCount: Int { hiddenSizes.count + 1 }
}
