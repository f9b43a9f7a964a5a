import Linalg

/// The stages of one group — consecutive stages that run on one thread (or one MPI rank) — and
/// the loop that trains them batch after batch, talking to the groups below and above through
/// ``GroupLinks``. Every executor runs this same loop; only the links differ.
public final class StageGroupWorker: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: a worker and the stages it holds are used by one thread
    // at a time. The pipelined executor hands each worker to exactly one thread for a segment
    // (the first group stays on the calling thread) and joins every thread before `train`
    // returns (`pthread_join` orders the worker's writes before the caller's next reads); the
    // caller touches the stages only between segments. Workers exchange nothing but
    // ``Message`` copies through ``MessageChannel``s.
    /// The group's stages, bottom first.
    public let stages: [Stage]
    /// The network-wide index of `stages[0]`.
    public let firstIndex: Int
    /// The network-wide index of the top stage.
    let topIndex: Int
    /// How the stages learn.
    let method: TrainingMethod
    /// The loss on the top stage.
    let loss: any Loss
    /// Probability that a stage applies its update on a step.
    let updateProbability: Double
    /// K (decoupled methods).
    let delay: Int
    /// M (locked methods).
    let microBatches: Int
    /// The kernel of direct feedback alignment's projections.
    let engine: GEMMEngine
    /// Pipelined DNI: the synthesizer of the stage just below this group, whose learning step
    /// runs here, where its targets are computed, with the turn it shares with that stage's
    /// thread and the targets waiting for their turn.
    var lowerSynthesizer: (synthesizer: any Synthesizer, turn: SynthesizerTurn)?
    var lowerInbox = TargetInbox()
    /// Pipelined DNI: the turn of this group's last synthesizer, which the group above trains.
    var topTurn: SynthesizerTurn?
    /// Pipelined DNI (``SynthesizerPlacement/below``): the first synthesizer of the group above,
    /// which this group trains, with its turn and its targets waiting for their turn.
    var upperSynthesizer: (synthesizer: any Synthesizer, turn: SynthesizerTurn)?
    var upperInbox = TargetInbox()
    /// The last batch whose target for the upper synthesizer came down.
    var upperTargetsReceivedThrough = -1
    /// Pipelined DNI (``SynthesizerPlacement/below``): the turn of this group's first
    /// synthesizer, which the group below trains.
    var firstTurn: SynthesizerTurn?
    /// The last batch whose target δ for this group's top synthesizer came from the group above.
    var targetsReceivedThrough = -1
    /// Batch buffers of the bottom group, one per micro-batch.
    private var inputBuffers: [Matrix]
    private var targetBuffers: [Matrix]

    /// A worker for `stages`, the first of which has network index `firstIndex`, in a network
    /// whose top stage has index `topIndex`; `delay` is K (DNI, cDNI), `microBatches` M (locked
    /// methods), `engine` the kernel of direct feedback alignment.
    public init(stages: [Stage], firstIndex: Int, topIndex: Int, method: TrainingMethod, loss: any Loss,
         updateProbability: Double, delay: Int, microBatches: Int, engine: GEMMEngine) {
        self.stages = stages
        self.firstIndex = firstIndex
        self.topIndex = topIndex
        self.method = method
        self.loss = loss
        self.updateProbability = updateProbability
        self.delay = delay
        self.microBatches = microBatches
        self.engine = engine
        inputBuffers = Array(repeating: .empty, count: microBatches)
        targetBuffers = Array(repeating: .empty, count: microBatches)
        for stage in stages { stage.prepare(delay: delay, microBatches: microBatches) }
        lowerInbox.reserveCapacity(delay + 1)
        upperInbox.reserveCapacity(delay + 2)
    }

    /// True when this group reads the data (holds stage 0).
    var isBottom: Bool { firstIndex == 0 }
    /// True when this group holds the top stage and its loss.
    var isTop: Bool { firstIndex + stages.count - 1 == topIndex }

    /// Trains the group on every step of `segment`, exchanging messages through `links`.
    public func train<Links: GroupLinks>(_ segment: TrainingSegment, links: inout Links) throws {
        for stage in stages { stage.log.reset(count: segment.count) }
        if method.usesSynthesizers {
            // A learning step the last segment left for this one (see `decoupledStages`).
            let pending = segment.firstBatch - delay
            if let lower = lowerSynthesizer, pending >= 0, !lower.turn.hasLearned(pending) {
                try learnLowerSynthesizer(batch: pending, position: 0)
            }
            for position in 0..<segment.count {
                try decoupledStep(segment, position: position, isLast: position == segment.count - 1, links: &links)
            }
            // The targets of the segment's last K batches wait in the inbox, as in the sequential
            // run, so that no message is left in flight between segments.
            if !isTop && topTurn == nil {
                try receiveTargets(through: segment.firstBatch + segment.count - 1, links: &links)
            }
        } else if method == .dfa {
            precondition(isBottom && isTop, "direct feedback alignment runs with every stage in one group")
            for position in 0..<segment.count {
                load(segment, position: position, micro: 0)
                directFeedbackStep(input: inputBuffers[0], target: targetBuffers[0], position: position)
            }
        } else {
            for position in 0..<segment.count { try lockedStep(segment, position: position, links: &links) }
        }
    }

    /// One step of a group that holds every stage, on a batch given as matrices (the network's
    /// ``Network/trainStep(input:target:)``); what it measured is at position 0 of the logs.
    func trainBatch(batch: Int, input: Matrix, target: Matrix) throws {
        precondition(isBottom && isTop && microBatches == 1, "a single step runs every stage on one thread")
        for stage in stages { stage.log.reset(count: 1) }
        var links = NoLinks()
        if method.usesSynthesizers {
            try decoupledStages(batch: batch, position: 0, isLast: true, input: input, target: target, links: &links)
        } else if method == .dfa {
            directFeedbackStep(input: input, target: target, position: 0)
        } else {
            try lockedForward(micro: 0, id: batch, position: 0, input: input, target: target, links: &links)
            for stage in stages { stage.lockedUpdate(microBatches: 1, updateProbability: updateProbability) }
        }
    }

    /// Copies the rows of micro-batch `micro` of the step at `position` into the bottom group's
    /// buffers.
    private func load(_ segment: TrainingSegment, position: Int, micro: Int) {
        let rows = segment.rows(position: position, micro: micro, of: microBatches)
        inputBuffers[micro].gatherRows(rows, of: segment.inputs)
        targetBuffers[micro].gatherRows(rows, of: segment.targets)
    }

    /// One DNI/cDNI step of the group on the batch at `position` (see `Stage+Steps.swift`).
    private func decoupledStep<Links: GroupLinks>(_ segment: TrainingSegment, position: Int, isLast: Bool,
                                                  links: inout Links) throws {
        let batch = segment.firstBatch + position
        if isBottom {
            load(segment, position: position, micro: 0)
            try decoupledStages(batch: batch, position: position, isLast: isLast, input: inputBuffers[0],
                                target: targetBuffers[0], links: &links)
        } else {
            let message = try links.nextInput()
            precondition(message.batch == batch, "activation of batch \(message.batch) arrived when batch \(batch) was due")
            try decoupledStages(batch: batch, position: position, isLast: isLast, input: message.matrix,
                                target: message.target, links: &links)
            // Given back only now: the group's first layer kept a reference to it until its backward.
            links.releaseInput()
        }
    }

    /// The group's stages on one batch: forward, synthesizer learning and prediction, backward
    /// and update, stage after stage; hᵢ goes up from the last stage, δ down from the first.
    ///
    /// Where a neighbouring group shares a synthesizer through a ``SynthesizerTurn`` (pipelined
    /// DNI), the last stage's synthesizer is trained by the group above: the stage waits for its
    /// turn to predict instead of receiving δ; and the first stage's δ trains the synthesizer
    /// below right here. That learning step is taken for batch b + 1 − K after this group's
    /// batch b, which keeps each synthesizer's order of learning and prediction that of the
    /// sequential reference, and its L_M on the step where the reference logs it; the one that
    /// falls on the next segment's first step waits for that segment.
    private func decoupledStages<Links: GroupLinks>(batch: Int, position: Int, isLast: Bool, input: Matrix,
                                                    target: Matrix, links: inout Links) throws {
        var activation = input
        for (offset, stage) in stages.enumerated() {
            let index = firstIndex + offset
            let output = stage.trainingForward(activation)
            let inputGradient: Matrix
            if index == topIndex {
                inputGradient = stage.lossUpdate(output: output, target: target, loss: loss, needsInputGradient: index > 0,
                                                 updateProbability: updateProbability, position: position)
            } else {
                // A synthesizer trained by another group: this group's last one (by the group
                // above) or its first one (by the group below).
                let sharedTurn = offset == stages.count - 1 ? topTurn : (offset == 0 ? firstTurn : nil)
                if offset == stages.count - 1 {
                    try links.sendUp(batch: batch, activation: output, target: target)
                    if topTurn == nil {
                        try receiveTargets(through: batch - delay, links: &links)
                        if batch - delay >= 0 { try learnUpperSynthesizer(batch: batch - delay, position: position) }
                    }
                }
                if let sharedTurn {
                    try sharedTurn.waitUntilLearned(batch - delay)
                } else {
                    try stage.learnDueTarget(batch: batch, delay: delay, position: position)
                }
                inputGradient = try stage.syntheticUpdate(batch: batch, output: output, condition: target,
                                                          needsInputGradient: index > 0, updateProbability: updateProbability)
                sharedTurn?.finishPrediction(batch)
            }
            if index > 0 {
                if offset == 1 && firstTurn != nil {
                    // The target of this group's first synthesizer goes to the group below, which trains it.
                    try links.sendDown(batch: batch, gradient: inputGradient, kind: 1)
                } else if offset > 0 {
                    try stages[offset - 1].receiveTarget(batch: batch, inputGradient)
                } else if lowerSynthesizer != nil {
                    try lowerInbox.store(batch: batch, inputGradient)
                    let due = batch + 1 - delay
                    if due >= 0 && !isLast { try learnLowerSynthesizer(batch: due, position: position + 1) }
                } else {
                    try links.sendDown(batch: batch, gradient: inputGradient, kind: 0)
                }
            }
            activation = output
        }
    }

    /// Receives the targets δ that come down from the group above, in order, until the one of
    /// `batch` is in: those of this group's top synthesizer into its stage's inbox, and (placement
    /// `.below`) those of the upper group's first synthesizer, which arrive after them, into the
    /// upper inbox.
    private func receiveTargets<Links: GroupLinks>(through batch: Int, links: inout Links) throws {
        while targetsReceivedThrough < batch || (upperSynthesizer != nil && upperTargetsReceivedThrough < batch) {
            let message = try links.nextGradient()
            if message.kind == 1 {
                precondition(message.batch == upperTargetsReceivedThrough + 1,
                             "the upper target of batch \(message.batch) arrived when \(upperTargetsReceivedThrough + 1) was due")
                try upperInbox.store(batch: message.batch, message.matrix)
                upperTargetsReceivedThrough = message.batch
            } else {
                precondition(message.batch == targetsReceivedThrough + 1,
                             "the target of batch \(message.batch) arrived when batch \(targetsReceivedThrough + 1) was due")
                try stages[stages.count - 1].receiveTarget(batch: message.batch, message.matrix)
                targetsReceivedThrough = message.batch
            }
            links.releaseGradient()
        }
    }

    /// The learning step of the upper group's first synthesizer on the target of `batch`, once
    /// it has predicted batch + K − 1 (placement `.below`); logs L_M at `position`, the step
    /// where the sequential run takes it.
    private func learnUpperSynthesizer(batch: Int, position: Int) throws {
        guard let upper = upperSynthesizer else { return }
        try upper.turn.waitUntilPredicted(batch + delay - 1)
        let loss = try upperInbox.take(batch: batch) { target in try upper.synthesizer.learn(batch: batch, target: target) }
        guard let loss else {
            throw SynthesizerScheduleError("the target of batch \(batch) for the synthesizer above is missing")
        }
        let top = stages[stages.count - 1]
        top.log.upperSynthesizerLoss[position] = loss
        top.log.upperSynthesizerLearned[position] = true
        upper.turn.finishLearning(batch)
    }

    /// The learning step of the synthesizer below on the target of `batch`, once its stage has
    /// predicted batch + K − 1; logs L_M at `position` of the segment.
    private func learnLowerSynthesizer(batch: Int, position: Int) throws {
        guard let lower = lowerSynthesizer else { return }
        try lower.turn.waitUntilPredicted(batch + delay - 1)
        let loss = try lowerInbox.take(batch: batch) { target in try lower.synthesizer.learn(batch: batch, target: target) }
        guard let loss else {
            throw SynthesizerScheduleError("the target of batch \(batch) for the synthesizer below is missing")
        }
        stages[0].log.lowerSynthesizerLoss[position] = loss
        stages[0].log.lowerSynthesizerLearned[position] = true
        lower.turn.finishLearning(batch)
    }

    /// One locked (backprop, feedback alignment) step of the group on the batch at `position`:
    /// GPipe-style, every micro-batch forward, each backward as its gradient arrives, then one
    /// update from the mean gradient. With one group and one micro-batch this is plain backprop.
    private func lockedStep<Links: GroupLinks>(_ segment: TrainingSegment, position: Int, links: inout Links) throws {
        let batch = segment.firstBatch + position
        for micro in 0..<microBatches {
            let id = batch * microBatches + micro
            if isBottom {
                load(segment, position: position, micro: micro)
                try lockedForward(micro: micro, id: id, position: position, input: inputBuffers[micro],
                                  target: targetBuffers[micro], links: &links)
            } else {
                let message = try links.nextInput()
                precondition(message.batch == id, "micro-batch \(message.batch) arrived when \(id) was due")
                try lockedForward(micro: micro, id: id, position: position, input: message.matrix,
                                  target: message.target, links: &links)
                // The top group is done with it; the others hold it until its backward.
                if isTop { links.releaseInput() }
            }
        }
        if !isTop {
            for micro in 0..<microBatches {
                let message = try links.nextGradient()
                precondition(message.batch == batch * microBatches + micro,
                             "the gradient of micro-batch \(message.batch) arrived out of order")
                try lockedBackward(message.matrix, micro: micro, id: message.batch, links: &links)
                links.releaseGradient()
                if !isBottom { links.releaseInput() }
            }
        }
        for stage in stages { stage.lockedUpdate(microBatches: microBatches, updateProbability: updateProbability) }
    }

    /// Micro-batch `micro` forward through the group; the top group goes on with its loss and
    /// backward at once, the others send their output up.
    private func lockedForward<Links: GroupLinks>(micro: Int, id: Int, position: Int, input: Matrix, target: Matrix,
                                                  links: inout Links) throws {
        var activation = input
        for stage in stages { activation = stage.trainingForward(activation, replica: micro) }
        if isTop {
            let gradient = stages[stages.count - 1].lockedLoss(
                output: activation, target: target, loss: loss, microBatches: microBatches, position: position)
            try lockedBackward(gradient, micro: micro, id: id, links: &links)
        } else {
            try links.sendUp(batch: id, activation: activation, target: target)
        }
    }

    /// Backward of micro-batch `micro` through the group, top stage first; sends δ below.
    private func lockedBackward<Links: GroupLinks>(_ outputGradient: Matrix, micro: Int, id: Int, links: inout Links) throws {
        var gradient = outputGradient
        for offset in stages.indices.reversed() {
            gradient = stages[offset].lockedBackward(gradient, replica: micro, microBatches: microBatches,
                                                     needsInputGradient: firstIndex + offset > 0)
        }
        if !isBottom { try links.sendDown(batch: id, gradient: gradient, kind: 0) }
    }

    /// Direct feedback alignment (Nøkland 2016): the output error e reaches hidden stage i as
    /// e·Bᵢ through its fixed random Bᵢ; the top stage uses the true gradient.
    private func directFeedbackStep(input: Matrix, target: Matrix, position: Int) {
        var activation = input
        for stage in stages { activation = stage.trainingForward(activation) }
        let top = stages[stages.count - 1]
        _ = top.lossUpdate(output: activation, target: target, loss: loss, needsInputGradient: false,
                           updateProbability: updateProbability, position: position)
        let error = top.lossGradient
        for stage in stages.dropLast() {
            guard let feedback = stage.directFeedback else {
                preconditionFailure("dfa needs a feedback matrix on every stage but the top one")
            }
            engine.multiply(error, feedback, into: &stage.feedbackGradient)
            _ = stage.body.backward(stage.feedbackGradient, needsInputGradient: false)
            if stage.drawsUpdate(probability: updateProbability) { stage.update() }
        }
    }
}
