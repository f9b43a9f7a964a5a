import Linalg

extension Stage {
    /// Stage `index` of the network that `configuration` describes, built alone: its weights,
    /// feedback matrices and synthesizer come from its own random stream
    /// (`SeededGenerator(seed: configuration.seed, stream: index)`), so a thread or an MPI rank
    /// can build just the stages it owns and get the same stages as everyone else.
    ///
    /// What the stage is made of is the configuration's ``NetworkConfiguration/architecture``'s
    /// choice (``NetworkArchitecture/makeStageParts(_:of:generator:engine:)``: fully connected
    /// by default, ``ConvolutionalArchitecture`` for the paper's CNN).
    public convenience init(configuration: NetworkConfiguration, index: Int, engine: GEMMEngine = .default) {
        precondition((0..<configuration.stageCount).contains(index), "stage \(index) is not in the network")
        var generator = SeededGenerator(seed: configuration.seed, stream: UInt64(index))
        let parts = configuration.architecture.base.makeStageParts(index, of: configuration,
                                                                   generator: &generator, engine: engine)
        self.init(body: parts.body,
                  optimizer: configuration.optimizer.make(learningRate: configuration.learningRate),
                  synthesizer: parts.synthesizer, directFeedback: parts.directFeedback, generator: generator)
    }
}

extension NetworkConfiguration {
    /// Widths of the stage boundaries, input first, output last (fully connected: input, each
    /// hidden layer, output), as the architecture says.
    public var widths: [Int] { architecture.base.widths(of: self) }

    /// Number of stages (fully connected: one per hidden layer, plus the top stage).
    public var stageCount: Int { architecture.base.stageCount(of: self) }

    /// A fresh optimizer for a synthesizer: the synthesizer's kind (else the stages') at the
    /// synthesizer's learning rate.
    public func synthesizerOptimizer() -> any Optimizer {
        (synthesizer.optimizer ?? optimizer).make(learningRate: synthesizer.learningRate)
    }
}
