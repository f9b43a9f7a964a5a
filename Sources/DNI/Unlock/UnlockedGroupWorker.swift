import Linalg

/// The stages of one group under the complete unlock (`--unlock forward`), and the loop that
/// trains them batch after batch: the unlocked counterpart of ``StageGroupWorker``. Every group
/// reads the data x (and the labels c) itself, so that each of its stages above the first can
/// train from its synthetic input Iᵢ(x) at once. For batch b:
///
/// ```
/// real chain: hᵢ₋₁ arrives from the group below (or is x); hᵢ = fᵢ(hᵢ₋₁) in probe mode
///             through the group's stages below the top        → send (b, real output) up
/// stage i:    ĥ = Iᵢ(x) (x itself for stage 0); hᵢ = fᵢ(ĥ)
///             Mᵢ learns from δᵢ(b − 1); ĝᵢ = Mᵢ(hᵢ, c); update  (the top: the loss's gradient)
///             δᵢ₋₁ = ∂/∂ĥ                                       → the inbox below, or sent down
///             Iᵢ learns: L2 toward the real hᵢ₋₁ of b
/// ```
///
/// Each stage sees exactly the calls of the one-group run, in the same order: its real forward
/// of batch b with its weights after batch b − 1, then its training step. So the bits do not
/// depend on how the stages are grouped or on thread timing. The delay is 1: a group waits for
/// the real input of batch b (the group below sends it before it trains on b) and, before its
/// last synthesizer predicts for b, for the target of b − 1 from the group above; so all groups
/// train at the same time, one forward pass apart.
final class UnlockedGroupWorker: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: as for ``StageGroupWorker``, a worker, its stages and
    // its input models are used by one thread at a time. ``ForwardUnlockedExecutor`` hands each
    // worker to exactly one thread per segment and joins every thread before `train` returns
    // (`pthread_join` orders the worker's writes before the caller's next reads); the caller
    // reads the probes and touches the stages only between segments. Workers exchange nothing
    // but ``Message`` copies through ``MessageChannel``s.

    /// The group's stages, bottom first.
    let stages: [Stage]
    /// The network-wide index of `stages[0]`.
    let firstIndex: Int
    /// The network-wide index of the top stage.
    let topIndex: Int
    /// Iᵢ of each of the group's stages (nil for stage 0, which reads x).
    let inputModels: [SyntheticInputModel?]
    /// The loss on the top stage.
    let loss: any Loss
    /// Probability that a stage applies its update on a step.
    let updateProbability: Double
    /// The probes of the last step trained, one per stage with an input model, bottom first.
    private(set) var lastProbes: [InputProbe] = []
    /// Sums over the last segment's steps of each input model's cosine and relative error.
    private(set) var probeSums: [(cosine: Double, relativeError: Double)]
    /// Steps in the last segment.
    private(set) var probeSteps = 0
    /// Wall time of the last segment: all of it, in the input models (predict and learn), and
    /// in the real chain.
    private(set) var segmentDuration = Duration.zero
    private(set) var inputModelDuration = Duration.zero
    private(set) var realChainDuration = Duration.zero
    /// The batch: x and c.
    private var input = Matrix.empty
    private var target = Matrix.empty
    /// The real input of each stage of the group for the current batch (unused for stage 0).
    private var realInputs: [Matrix]
    /// The last batch whose target δ for the group's top synthesizer came from the group above.
    var targetsReceivedThrough = -1

    /// A worker for `stages`, the first of which has network index `firstIndex`, in a network
    /// whose top stage has index `topIndex`; `inputModels` are Iᵢ of the group's stages (nil
    /// for stage 0).
    init(stages: [Stage], firstIndex: Int, topIndex: Int, inputModels: [SyntheticInputModel?], loss: any Loss,
         updateProbability: Double) {
        precondition(inputModels.count == stages.count, "one input model slot per stage")
        self.stages = stages
        self.firstIndex = firstIndex
        self.topIndex = topIndex
        self.inputModels = inputModels
        self.loss = loss
        self.updateProbability = updateProbability
        realInputs = Array(repeating: .empty, count: stages.count)
        probeSums = Array(repeating: (0, 0), count: inputModels.compactMap { $0 }.count)
        lastProbes.reserveCapacity(stages.count)
        for stage in stages { stage.prepare(delay: 1, microBatches: 1) }
    }

    /// True when this group reads no activation from below (holds stage 0).
    var isBottom: Bool { firstIndex == 0 }
    /// True when this group holds the top stage and its loss.
    var isTop: Bool { firstIndex + stages.count - 1 == topIndex }

    /// Trains the group on every step of `segment`, exchanging messages through `links`.
    func train<Links: GroupLinks>(_ segment: TrainingSegment, links: inout Links) throws {
        for stage in stages { stage.log.reset(count: segment.count) }
        for index in probeSums.indices { probeSums[index] = (0, 0) }
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
            let realChainStart = clock.now
            try realChain(batch: batch, links: &links)
            realChainDuration += clock.now - realChainStart
            try trainStages(batch: batch, position: position, links: &links, clock: clock)
            probeSteps += 1
        }
        // The target of the segment's last batch waits in the inbox, as in the one-group run, so
        // that no message is left in flight between segments.
        if !isTop { try receiveTargets(through: segment.firstBatch + segment.count - 1, links: &links) }
    }

    /// The real chain of `batch` through the group's stages below the top, with the weights of
    /// the batch before: the targets of the input models; the group's real output goes up.
    private func realChain<Links: GroupLinks>(batch: Int, links: inout Links) throws {
        if !isBottom {
            let message = try links.nextInput()
            precondition(message.batch == batch, "the real input of batch \(message.batch) arrived when batch \(batch) was due")
            realInputs[0].assign(message.matrix)
            links.releaseInput()
        }
        var activation = isBottom ? input : realInputs[0]
        for (offset, stage) in stages.enumerated() where firstIndex + offset < topIndex {
            activation = stage.forward(activation, mode: .probe)
            if offset + 1 < stages.count {
                // The next stage reads the worker's copy, not this stage's output buffer: a layer
                // keeps its input, and this stage's training pass would then copy the buffer
                // it writes (an allocation per step) instead of writing it in place.
                realInputs[offset + 1].assign(activation)
                activation = realInputs[offset + 1]
            } else {
                try links.sendUp(batch: batch, activation: activation, target: target)
            }
        }
    }

    /// The training step of every stage of the group on `batch`, each from its synthetic input.
    private func trainStages<Links: GroupLinks>(batch: Int, position: Int, links: inout Links,
                                                clock: ContinuousClock) throws {
        lastProbes.removeAll(keepingCapacity: true)
        var probeIndex = 0
        for (offset, stage) in stages.enumerated() {
            let index = firstIndex + offset
            let model = inputModels[offset]
            var stageInput = input
            if let model {
                let predictStart = clock.now
                stageInput = model.predict(input)
                inputModelDuration += clock.now - predictStart
                let probe = InputProbe(stage: index, synthetic: stageInput, real: realInputs[offset])
                lastProbes.append(probe)
                probeSums[probeIndex].cosine += probe.cosine
                probeSums[probeIndex].relativeError += probe.relativeError
                probeIndex += 1
            }
            let output = stage.trainingForward(stageInput)
            let inputGradient: Matrix
            if index == topIndex {
                inputGradient = stage.lossUpdate(output: output, target: target, loss: loss, needsInputGradient: index > 0,
                                                 updateProbability: updateProbability, position: position)
            } else {
                if offset == stages.count - 1 { try receiveTargets(through: batch - 1, links: &links) }
                try stage.learnDueTarget(batch: batch, delay: 1, position: position)
                inputGradient = try stage.syntheticUpdate(batch: batch, output: output, condition: target,
                                                          needsInputGradient: index > 0,
                                                          updateProbability: updateProbability)
            }
            guard let model else { continue }
            if offset > 0 {
                try stages[offset - 1].receiveTarget(batch: batch, inputGradient)
            } else {
                try links.sendDown(batch: batch, gradient: inputGradient, kind: 0)
            }
            let learnStart = clock.now
            model.learn(target: realInputs[offset])
            inputModelDuration += clock.now - learnStart
        }
    }

    /// Receives the targets δ that come down from the group above, in order, until the one of
    /// `batch` is in the inbox of the group's top stage.
    private func receiveTargets<Links: GroupLinks>(through batch: Int, links: inout Links) throws {
        while targetsReceivedThrough < batch {
            let message = try links.nextGradient()
            precondition(message.batch == targetsReceivedThrough + 1,
                         "the target of batch \(message.batch) arrived when batch \(targetsReceivedThrough + 1) was due")
            try stages[stages.count - 1].receiveTarget(batch: message.batch, message.matrix)
            targetsReceivedThrough = message.batch
            links.releaseGradient()
        }
    }
}
