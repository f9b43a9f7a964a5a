import Linalg

/// A feed-forward network split into ``Stage``s with a loss on top, trained by one
/// ``TrainingMethod`` (see `Network+Step.swift` for the step of each method).
public final class Network {
    /// The stages, input side first; the loss sits on the last one.
    public let stages: [Stage]
    /// The loss on the top stage's output.
    public let loss: any Loss
    /// How the stages learn.
    public let method: TrainingMethod
    /// Probability that a stage applies its update on a given step.
    public var updateProbability: Double
    /// The kernel of the network's own products (direct feedback alignment).
    public let engine: GEMMEngine

    var updateGenerator: SeededGenerator
    var lossGradient = Matrix.empty
    var feedbackGradient = Matrix.empty

    /// A network of `stages` trained by `method` on `loss`.
    public init(stages: [Stage], loss: any Loss, method: TrainingMethod, updateProbability: Double = 1,
                seed: UInt64 = 1, engine: GEMMEngine = .default) {
        precondition(!stages.isEmpty, "a network needs at least one stage")
        for (lower, upper) in zip(stages, stages.dropFirst()) {
            precondition(lower.outputSize == upper.inputSize, "stage widths do not chain")
        }
        if method.usesSynthesizers {
            precondition(stages.dropLast().allSatisfy { $0.synthesizer != nil },
                         "\(method.rawValue) needs a synthesizer on every stage but the top one")
        }
        if method == .dfa {
            precondition(stages.dropLast().allSatisfy { $0.directFeedback != nil },
                         "dfa needs a feedback matrix on every stage but the top one")
        }
        self.stages = stages
        self.loss = loss
        self.method = method
        self.updateProbability = updateProbability
        self.engine = engine
        self.updateGenerator = SeededGenerator(seed: seed ^ 0x5DEE_CE66_D1CE_0001)
    }

    /// Builds the network that `configuration` describes, with `loss` on top.
    public convenience init(configuration: NetworkConfiguration, loss: any Loss, engine: GEMMEngine = .default) {
        var generator = SeededGenerator(seed: configuration.seed)
        let method = configuration.method
        let widths = [configuration.inputSize] + configuration.hiddenSizes + [configuration.outputSize]
        var stages: [Stage] = []
        for index in 0..<(widths.count - 1) {
            let isTop = index == widths.count - 2
            let fanIn = widths[index], fanOut = widths[index + 1]
            // The activation is fused into the layer before it: into the dense layer without
            // batch norm (one pass over each row for bias and nonlinearity), into the batch
            // norm with it (Dense → BatchNorm+activation).
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
            stages.append(Stage(body: Sequential(layers),
                                optimizer: configuration.optimizer.make(learningRate: configuration.learningRate),
                                synthesizer: synthesizer, directFeedback: directFeedback))
        }
        self.init(stages: stages, loss: loss, method: method, updateProbability: configuration.updateProbability,
                  seed: configuration.seed, engine: engine)
    }

    /// Width of an input row.
    public var inputSize: Int { stages[0].inputSize }
    /// Width of the output.
    public var outputSize: Int { stages[stages.count - 1].outputSize }

    /// The network's output for `input` in inference mode (nothing is remembered or updated).
    /// The result shares the top layer's buffer: copy it to keep it past the next call.
    public func predict(_ input: Matrix) -> Matrix {
        var activation = input
        for stage in stages { activation = stage.forward(activation, mode: .inference) }
        return activation
    }

    /// Multiplies the step size of every stage's optimizer by `factor` (a step schedule). The
    /// synthesizers keep theirs: they must keep tracking a moving target.
    public func scaleLearningRates(by factor: Float) {
        for stage in stages { stage.optimizer.learningRate *= factor }
    }

    /// Every trainable parameter: each stage's, then each synthesizer's.
    public var allParameters: [Parameter] {
        stages.flatMap(\.parameters) + stages.flatMap { $0.synthesizer?.parameters ?? [] }
    }
}
