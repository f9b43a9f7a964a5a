import Linalg

/// The stages of one group — consecutive stages that run on one thread (or one MPI rank) — and
/// the loop that trains them batch after batch, talking to the groups below and above through
/// ``GroupLinks``. Every executor runs this same loop; only the links differ.
final class StageGroupWorker: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: a worker and the stages it holds are used by one thread
    // at a time. The pipelined executor hands each worker to exactly one thread for a segment
    // (the first group stays on the calling thread) and joins every thread before `train`
    // returns (`pthread_join` orders the worker's writes before the caller's next reads); the
    // caller touches the stages only between segments. Workers exchange nothing but
    // ``Message`` copies through ``MessageChannel``s.
    /// The group's stages, bottom first.
    let stages: [Stage]
    /// The network-wide index of `stages[0]`.
    let firstIndex: Int
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
    /// Batch buffers of the bottom group, one per micro-batch.
    private var inputBuffers: [Matrix]
    private var targetBuffers: [Matrix]

    /// A worker for `stages`, the first of which has network index `firstIndex`.
    init(stages: [Stage], firstIndex: Int, topIndex: Int, method: TrainingMethod, loss: any Loss,
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
    }

    /// True when this group reads the data (holds stage 0).
    var isBottom: Bool { firstIndex == 0 }
    /// True when this group holds the top stage and its loss.
    var isTop: Bool { firstIndex + stages.count - 1 == topIndex }

    /// Trains the group on every step of `segment`.
    func train<Links: GroupLinks>(_ segment: TrainingSegment, links: inout Links) throws {
        for stage in stages { stage.log.reset(count: segment.count) }
        if method.usesSynthesizers {
            for position in 0..<segment.count { try decoupledStep(segment, position: position, links: &links) }
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
            try decoupledStages(batch: batch, position: 0, input: input, target: target, links: &links)
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
    private func decoupledStep<Links: GroupLinks>(_ segment: TrainingSegment, position: Int, links: inout Links) throws {
        let batch = segment.firstBatch + position
        if isBottom {
            load(segment, position: position, micro: 0)
            try decoupledStages(batch: batch, position: position, input: inputBuffers[0], target: targetBuffers[0], links: &links)
        } else {
            let message = try links.nextInput()
            precondition(message.batch == batch, "activation of batch \(message.batch) arrived when batch \(batch) was due")
            try decoupledStages(batch: batch, position: position, input: message.matrix, target: message.target, links: &links)
            // Given back only now: the group's first layer kept a reference to it until its backward.
            links.releaseInput()
        }
    }

    /// The group's stages on one batch: forward, synthesizer learning and prediction, backward
    /// and update, stage after stage; hᵢ goes up from the last stage, δ down from the first.
    private func decoupledStages<Links: GroupLinks>(batch: Int, position: Int, input: Matrix, target: Matrix,
                                                    links: inout Links) throws {
        var activation = input
        for (offset, stage) in stages.enumerated() {
            let index = firstIndex + offset
            let output = stage.trainingForward(activation)
            let inputGradient: Matrix
            if index == topIndex {
                inputGradient = stage.lossUpdate(output: output, target: target, loss: loss, needsInputGradient: index > 0,
                                                 updateProbability: updateProbability, position: position)
            } else {
                if offset == stages.count - 1 {
                    try links.sendUp(batch: batch, activation: output, target: target)
                    if batch - delay >= 0 {
                        // The target of batch − K from the group above (targets arrive in order).
                        let message = try links.nextGradient()
                        precondition(message.batch == batch - delay,
                                     "the target of batch \(message.batch) arrived when batch \(batch - delay) was due")
                        try stage.receiveTarget(batch: message.batch, message.matrix)
                        links.releaseGradient()
                    }
                }
                inputGradient = try stage.decoupledUpdate(
                    batch: batch, delay: delay, output: output, condition: target, needsInputGradient: index > 0,
                    updateProbability: updateProbability, position: position)
            }
            if index > 0 {
                if offset > 0 {
                    try stages[offset - 1].receiveTarget(batch: batch, inputGradient)
                } else {
                    try links.sendDown(batch: batch, gradient: inputGradient)
                }
            }
            activation = output
        }
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
        if !isBottom { try links.sendDown(batch: id, gradient: gradient) }
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
