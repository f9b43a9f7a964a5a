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

/// DNI and cDNI with the complete unlock (Jaderberg et al. 2016, §3.4; `--unlock forward`):
/// every stage above the first trains from a synthetic input Iᵢ(x) instead of waiting for
/// hᵢ₋₁, and from its synthesizer's ĝᵢ instead of waiting for δᵢ. For each batch (x, c):
///
/// ```
/// hᵢ₋₁ = fᵢ₋₁(… f₀(x))                          the real chain, probe mode (targets of the Iᵢ)
/// stage 0: h₀ = f₀(x); M₀ learns (δ₀ of the last batch); ĝ₀ = M₀(h₀, c); update
/// stage i: ĥ = Iᵢ(x); hᵢ = fᵢ(ĥ); Mᵢ learns; ĝᵢ = Mᵢ(hᵢ, c); update
///          δᵢ₋₁ = ∂/∂ĥ of stage i → the target of Mᵢ₋₁;  Iᵢ learns: L2 toward hᵢ₋₁
/// top:     ĥ = I_top(x); the loss's true gradient; update; δ → the target of the synthesizer below
/// ```
///
/// Delay 1. The stages run in consecutive groups (``UnlockedGroupWorker``): one group on the
/// calling thread (`sequential-unlocked`), or several, each on a thread of its own, at the same
/// time (`pipelined-unlocked`); a group sends the real output of batch b up before it trains on
/// b, and receives the target of its top synthesizer for b − 1 before that synthesizer predicts
/// for b. Every stage sees the same calls in the same order under any grouping, so the bits are
/// those of the one-group run whatever the grouping and the thread timing.
///
/// The real chain runs in probe mode (batch statistics, running averages untouched); the
/// running averages move with the training passes on synthetic inputs. Test time uses the real
/// chain (``Network/predict(_:)``). ``statistics`` reports, per stage i ≥ 1, the mean over the
/// last segment's steps of cos(Iᵢ(x), hᵢ₋₁) and ‖Iᵢ(x) − hᵢ₋₁‖/‖hᵢ₋₁‖ (``InputProbe``),
/// measured on each training batch before Iᵢ learns from it.
public final class ForwardUnlockedExecutor: Executor {
    public let network: Network
    /// Iᵢ for each stage i ≥ 1 (index i − 1).
    public let inputModels: [SyntheticInputModel]
    public let stageGroups: [Int]
    let workers: [UnlockedGroupWorker]
    /// `upward[g]` carries the real output of group g to g + 1, `downward[g]` targets from g + 1 to g.
    private let upward: [MessageChannel]
    private let downward: [MessageChannel]

    /// An executor of the network that `configuration` describes (DNI or cDNI, at least two
    /// stages; fully connected or the paper's CNN) with `loss` on top and input models shaped by
    /// `inputModel` (dense models for a fully connected network, convolutional ones, see
    /// ``ConvolutionalSyntheticInputConfiguration``, for a ``ConvolutionalArchitecture``); the
    /// model of stage i draws from its own stream
    /// (`SeededGenerator(seed: configuration.seed, stream: 0x1_0000 + i)`).
    ///
    /// `stageGroups` splits the stages into consecutive groups that run at once, bottom first
    /// (nil: one group on the calling thread). Stage i and its input model multiply with
    /// `stageEngine(i)` (nil: `engine` for all; give each group an engine of its own when the
    /// groups run at once). The grouping and the engines change the speed, never the result.
    public init(configuration: NetworkConfiguration, loss: any Loss, inputModel: SyntheticInputConfiguration,
                stageGroups: [Int]? = nil, engine: GEMMEngine = .default,
                stageEngine: ((Int) -> GEMMEngine)? = nil) throws {
        guard configuration.method.usesSynthesizers else {
            throw InputError("--unlock forward needs synthesizers: use --method dni or cdni, not \(configuration.method.rawValue)")
        }
        let stageCount = configuration.stageCount
        guard stageCount >= 2 else { throw InputError("--unlock forward needs at least two stages") }
        let groups = stageGroups ?? [stageCount]
        guard groups.allSatisfy({ $0 >= 1 }), groups.reduce(0, +) == stageCount else {
            throw InputError("--stage-groups must split the \(stageCount) stages into groups of at least one stage, got \(groups.map(String.init).joined(separator: ","))")
        }
        let engineOfStage = stageEngine ?? { _ in engine }
        network = Network(configuration: configuration, loss: loss, engine: engine, stageEngine: engineOfStage)
        let models = try (1..<stageCount).map { index in
            try Self.inputModel(ofStage: index, configuration: configuration, inputModel: inputModel,
                                engine: engineOfStage(index))
        }
        inputModels = models
        self.stageGroups = groups
        let stages = network.stages, updateProbability = network.updateProbability
        var workers: [UnlockedGroupWorker] = []
        var first = 0
        for size in groups {
            let range = first..<(first + size)
            workers.append(UnlockedGroupWorker(
                stages: Array(stages[range]), firstIndex: first, topIndex: stageCount - 1,
                inputModels: range.map { $0 == 0 ? nil : models[$0 - 1] }, loss: loss,
                updateProbability: updateProbability))
            first += size
        }
        self.workers = workers
        // One real output and one target per batch each way; a group runs at most one batch
        // ahead of its neighbours, so three slots keep every sender from waiting.
        upward = (0..<(groups.count - 1)).map { _ in MessageChannel(capacity: 3) }
        downward = (0..<(groups.count - 1)).map { _ in MessageChannel(capacity: 3) }
    }

    /// Iᵢ of stage `index` ≥ 1 of the network `configuration` describes, shaped by `inputModel`
    /// (dense for a fully connected network, convolutional for a ``ConvolutionalArchitecture``),
    /// drawn from `SeededGenerator(seed: configuration.seed, stream: 0x1_0000 + index)`.
    public static func inputModel(ofStage index: Int, configuration: NetworkConfiguration,
                                  inputModel: SyntheticInputConfiguration, engine: GEMMEngine) throws -> SyntheticInputModel {
        var generator = SeededGenerator(seed: configuration.seed, stream: 0x1_0000 + UInt64(index))
        if let convolutional = (configuration.architecture.base as? ConvolutionalArchitecture)?.network {
            return try SyntheticInputModel(input: convolutional.input, output: convolutional.inputShape(ofStage: index),
                                           stage: index, configuration: inputModel, generator: &generator, engine: engine)
        }
        let widths = configuration.widths
        return SyntheticInputModel(inputSize: widths[0], outputSize: widths[index], configuration: inputModel,
                                   generator: &generator, engine: engine)
    }

    /// `sequential-unlocked` (one group) or `pipelined-unlocked`.
    public var name: String { workers.count == 1 ? "sequential-unlocked" : "pipelined-unlocked" }
    public var delay: Int { 1 }
    public var microBatches: Int { 1 }

    /// The probes of the last step of the last segment, stage 1 first.
    public var lastProbes: [InputProbe] { workers.flatMap(\.lastProbes) }

    public func train(_ segment: TrainingSegment) throws -> SegmentResult {
        let workers = self.workers
        if workers.count == 1 {
            var links = NoLinks()
            try workers[0].train(segment, links: &links)
        } else {
            let channels = upward + downward
            let groupLinks = workers.indices.map { ChannelLinks(group: $0, upward: upward, downward: downward) }
            try ConcurrentGroups.run(count: workers.count, abort: { for channel in channels { channel.abort() } }) { group in
                var links = groupLinks[group]
                try workers[group].train(segment, links: &links)
            }
        }
        return SegmentResult(stages: network.stages, count: segment.count)
    }

    /// Per stage i ≥ 1, the means over the last segment's steps: `input_cosine_stage_i` and
    /// `input_relative_error_stage_i`; then the shares of the groups' wall time in the last
    /// segment spent in the input models' predictions and learning steps
    /// (`input_model_time_share`) and in the real chain that gives their targets
    /// (`real_chain_time_share`). The shares are measured times and differ from run to run; the
    /// other statistics are deterministic.
    public var statistics: [(name: String, value: Double)] {
        guard let steps = workers.first?.probeSteps, steps > 0 else { return [] }
        let sums = workers.flatMap(\.probeSums)
        let probes = sums.enumerated().flatMap { offset, sums in
            [("input_cosine_stage_\(offset + 1)", sums.cosine / Double(steps)),
             ("input_relative_error_stage_\(offset + 1)", sums.relativeError / Double(steps))]
        }
        let total = workers.reduce(0) { $0 + Self.seconds($1.segmentDuration) }
        guard total > 0 else { return probes }
        let inputModels = workers.reduce(0) { $0 + Self.seconds($1.inputModelDuration) }
        let realChain = workers.reduce(0) { $0 + Self.seconds($1.realChainDuration) }
        return probes + [("input_model_time_share", inputModels / total), ("real_chain_time_share", realChain / total)]
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
