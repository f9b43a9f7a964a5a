import Linalg

/// A feed-forward network split into ``Stage``s with a loss on top, trained by one
/// ``TrainingMethod``. ``trainStep(input:target:)`` takes one sequential step; an ``Executor``
/// runs many, on one thread or several.
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

    var lossGradient = Matrix.empty
    /// The global id of the next batch ``trainStep(input:target:)`` trains on.
    var nextStepBatch = 0
    /// The one-group worker of ``trainStep(input:target:)`` (delay 1, no micro-batches).
    private var stepWorker: StageGroupWorker?

    /// A network of `stages` trained by `method` on `loss`.
    public init(stages: [Stage], loss: any Loss, method: TrainingMethod, updateProbability: Double = 1,
                engine: GEMMEngine = .default) {
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
    }

    /// Builds the network that `configuration` describes, with `loss` on top. Each stage builds
    /// itself alone from the configuration, its index and the seed (``Stage/init(configuration:index:engine:)``).
    public convenience init(configuration: NetworkConfiguration, loss: any Loss, engine: GEMMEngine = .default) {
        self.init(configuration: configuration, loss: loss, engine: engine, stageEngine: { _ in engine })
    }

    /// Builds the network that `configuration` describes, stage i multiplying with
    /// `stageEngine(i)` (a pipelined executor gives each thread's stages a kernel of their own).
    public init(configuration: NetworkConfiguration, loss: any Loss, engine: GEMMEngine = .default,
                stageEngine: (Int) -> GEMMEngine) {
        let stages = (0..<configuration.stageCount).map { index in
            Stage(configuration: configuration, index: index, engine: stageEngine(index))
        }
        self.stages = stages
        self.loss = loss
        self.method = configuration.method
        self.updateProbability = configuration.updateProbability
        self.engine = engine
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

    /// A worker over every stage, on the calling thread, for `delay` and `microBatches`.
    func makeWorker(delay: Int, microBatches: Int) -> StageGroupWorker {
        StageGroupWorker(stages: stages, firstIndex: 0, topIndex: stages.count - 1, method: method, loss: loss,
                         updateProbability: updateProbability, delay: delay, microBatches: microBatches, engine: engine)
    }

    /// The worker of ``trainStep(input:target:)``.
    var singleStepWorker: StageGroupWorker {
        if let stepWorker { return stepWorker }
        let worker = makeWorker(delay: 1, microBatches: 1)
        stepWorker = worker
        return worker
    }
}
