import Linalg

/// How close one synthetic input Iᵢ(x) is to the real stage input hᵢ₋₁ on a batch.
public struct InputProbe: Sendable, Equatable {
    /// The stage whose input is synthesized (1 = the second stage).
    public var stage: Int
    /// cos(Iᵢ(x), hᵢ₋₁) over the whole batch.
    public var cosine: Double
    /// ‖Iᵢ(x) − hᵢ₋₁‖ / ‖hᵢ₋₁‖ over the whole batch.
    public var relativeError: Double

    /// The probe of `synthetic` against `real`.
    public init(stage: Int, synthetic: Matrix, real: Matrix) {
        self.stage = stage
        let dot = synthetic.dot(real), syntheticNorm = synthetic.norm(), realNorm = real.norm()
        cosine = syntheticNorm > 0 && realNorm > 0 ? dot / (syntheticNorm * realNorm) : 0
        let squaredDistance = max(0, syntheticNorm * syntheticNorm - 2 * dot + realNorm * realNorm)
        relativeError = realNorm > 0 ? squaredDistance.squareRoot() / realNorm : 0
    }
}

/// DNI and cDNI with the complete unlock (Jaderberg et al. 2016, §3.4; `--unlock forward`), on
/// the calling thread: every stage above the first trains from a synthetic input Iᵢ(x) instead
/// of waiting for hᵢ₋₁, and from its synthesizer's ĝᵢ instead of waiting for δᵢ. For each batch
/// (x, c):
///
/// ```
/// hᵢ₋₁ = fᵢ₋₁(… f₀(x))                          the real chain, probe mode (targets of the Iᵢ)
/// stage 0: h₀ = f₀(x); M₀ learns (δ₀ of the last batch); ĝ₀ = M₀(h₀, c); update
/// stage i: ĥ = Iᵢ(x); hᵢ = fᵢ(ĥ); Mᵢ learns; ĝᵢ = Mᵢ(hᵢ, c); update
///          δᵢ₋₁ = ∂/∂ĥ of stage i → the target of Mᵢ₋₁;  Iᵢ learns: L2 toward hᵢ₋₁
/// top:     ĥ = I_top(x); the loss's true gradient; update; δ → the target of the synthesizer below
/// ```
///
/// Delay 1, one thread. The real chain runs in probe mode (batch statistics, running averages
/// untouched); the running averages move with the training passes on synthetic inputs. Test
/// time uses the real chain (``Network/predict(_:)``). ``statistics`` reports, per stage i ≥ 1,
/// the mean over the last segment's steps of cos(Iᵢ(x), hᵢ₋₁) and ‖Iᵢ(x) − hᵢ₋₁‖/‖hᵢ₋₁‖
/// (``InputProbe``), measured on each training batch before Iᵢ learns from it.
public final class ForwardUnlockedExecutor: Executor {
    public let network: Network
    /// Iᵢ for each stage i ≥ 1 (index i − 1).
    public let inputModels: [SyntheticInputModel]
    /// The probes of the last step of the last segment, stage 1 first.
    public private(set) var lastProbes: [InputProbe] = []
    private var probeSums: [(cosine: Double, relativeError: Double)] = []
    private var probeSteps = 0
    /// Wall time of the last segment: all of it, in the input models (predict and learn), and
    /// in the real chain (the targets of the input models).
    private var segmentDuration = Duration.zero
    private var inputModelDuration = Duration.zero
    private var realChainDuration = Duration.zero
    private var input = Matrix.empty
    private var target = Matrix.empty
    /// The real hᵢ₋₁ of the current batch for each stage i ≥ 1 (index i − 1).
    private var realInputs: [Matrix]

    /// An executor of the network that `configuration` describes (DNI or cDNI, at least two
    /// stages; fully connected or the paper's CNN) with `loss` on top and input models shaped by
    /// `inputModel` (dense models for a fully connected network, convolutional ones, see
    /// ``ConvolutionalSyntheticInputConfiguration``, for a ``ConvolutionalArchitecture``); the
    /// model of stage i draws from its own stream
    /// (`SeededGenerator(seed: configuration.seed, stream: 0x1_0000 + i)`).
    public init(configuration: NetworkConfiguration, loss: any Loss, inputModel: SyntheticInputConfiguration,
                engine: GEMMEngine = .default) throws {
        guard configuration.method.usesSynthesizers else {
            throw InputError("--unlock forward needs synthesizers: use --method dni or cdni, not \(configuration.method.rawValue)")
        }
        guard configuration.stageCount >= 2 else { throw InputError("--unlock forward needs at least two stages") }
        network = Network(configuration: configuration, loss: loss, engine: engine)
        let widths = configuration.widths
        let convolutional = (configuration.architecture.base as? ConvolutionalArchitecture)?.network
        inputModels = try (1..<configuration.stageCount).map { index in
            var generator = SeededGenerator(seed: configuration.seed, stream: 0x1_0000 + UInt64(index))
            if let convolutional {
                return try SyntheticInputModel(input: convolutional.input, output: convolutional.inputShape(ofStage: index),
                                               stage: index, configuration: inputModel, generator: &generator, engine: engine)
            }
            return SyntheticInputModel(inputSize: widths[0], outputSize: widths[index], configuration: inputModel,
                                       generator: &generator, engine: engine)
        }
        realInputs = Array(repeating: .empty, count: configuration.stageCount - 1)
        for stage in network.stages { stage.prepare(delay: 1, microBatches: 1) }
    }

    public var name: String { "sequential-unlocked" }
    public var delay: Int { 1 }
    public var stageGroups: [Int] { [network.stages.count] }
    public var microBatches: Int { 1 }

    public func train(_ segment: TrainingSegment) throws -> SegmentResult {
        let stages = network.stages, top = stages.count - 1
        for stage in stages { stage.log.reset(count: segment.count) }
        probeSums = Array(repeating: (0, 0), count: top)
        probeSteps = 0
        lastProbes.removeAll(keepingCapacity: true)
        let clock = ContinuousClock()
        let segmentStart = clock.now
        inputModelDuration = .zero
        realChainDuration = .zero
        defer { segmentDuration = clock.now - segmentStart }
        for position in 0..<segment.count {
            let batch = segment.firstBatch + position
            let rows = segment.rows(position: position)
            input.gatherRows(rows, of: segment.inputs)
            target.gatherRows(rows, of: segment.targets)
            // The real chain: what each input model learns toward.
            let realChainStart = clock.now
            var activation = input
            for index in 0..<top {
                activation = stages[index].forward(activation, mode: .probe)
                realInputs[index].assign(activation)
            }
            realChainDuration += clock.now - realChainStart
            lastProbes.removeAll(keepingCapacity: true)
            for (index, stage) in stages.enumerated() {
                let predictStart = clock.now
                let stageInput = index == 0 ? input : inputModels[index - 1].predict(input)
                if index > 0 { inputModelDuration += clock.now - predictStart }
                if index > 0 {
                    let probe = InputProbe(stage: index, synthetic: stageInput, real: realInputs[index - 1])
                    lastProbes.append(probe)
                    probeSums[index - 1].cosine += probe.cosine
                    probeSums[index - 1].relativeError += probe.relativeError
                }
                let output = stage.trainingForward(stageInput)
                let inputGradient: Matrix
                if index == top {
                    inputGradient = stage.lossUpdate(output: output, target: target, loss: network.loss,
                                                     needsInputGradient: true, updateProbability: network.updateProbability,
                                                     position: position)
                } else {
                    try stage.learnDueTarget(batch: batch, delay: 1, position: position)
                    inputGradient = try stage.syntheticUpdate(batch: batch, output: output, condition: target,
                                                              needsInputGradient: index > 0,
                                                              updateProbability: network.updateProbability)
                }
                if index > 0 {
                    try stages[index - 1].receiveTarget(batch: batch, inputGradient)
                    let learnStart = clock.now
                    inputModels[index - 1].learn(target: realInputs[index - 1])
                    inputModelDuration += clock.now - learnStart
                }
            }
            probeSteps += 1
        }
        return SegmentResult(stages: stages, count: segment.count)
    }

    /// Per stage i ≥ 1, the means over the last segment's steps: `input_cosine_stage_i` and
    /// `input_relative_error_stage_i`; then the shares of the last segment's wall time spent in
    /// the input models' predictions and learning steps (`input_model_time_share`) and in the
    /// real chain that gives their targets (`real_chain_time_share`). The shares are measured
    /// times and differ from run to run; the other statistics are deterministic.
    public var statistics: [(name: String, value: Double)] {
        guard probeSteps > 0 else { return [] }
        let probes = probeSums.enumerated().flatMap { offset, sums in
            [("input_cosine_stage_\(offset + 1)", sums.cosine / Double(probeSteps)),
             ("input_relative_error_stage_\(offset + 1)", sums.relativeError / Double(probeSteps))]
        }
        let total = Self.seconds(segmentDuration)
        guard total > 0 else { return probes }
        return probes + [("input_model_time_share", Self.seconds(inputModelDuration) / total),
                         ("real_chain_time_share", Self.seconds(realChainDuration) / total)]
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// Iᵢ(x) against the real hᵢ₋₁ on `input`, everything in inference mode (nothing changes).
    public func probeInputs(_ input: Matrix) -> [InputProbe] {
        var probes: [InputProbe] = []
        var activation = input
        for index in 1..<network.stages.count {
            activation = network.stages[index - 1].forward(activation, mode: .inference)
            let real = activation
            probes.append(InputProbe(stage: index, synthetic: inputModels[index - 1].inspect(input), real: real))
        }
        return probes
    }
}
