import Linalg

/// The operations of one stage on one batch, in the order every executor calls them. The
/// arithmetic of training lives here and only here; executors (sequential, pipelined, MPI)
/// decide only where each stage runs and how hᵢ and δᵢ travel between stages. Because a stage
/// touches nothing but its own layers, optimizer, synthesizer and random stream, the same calls
/// in the same order give the same bits on any executor.
///
/// Decoupled (DNI, cDNI), for stage i and batch b under delay K:
/// ```
/// hᵢ = fᵢ(hᵢ₋₁)                                   trainingForward        → send (b, hᵢ, c) up
/// Mᵢ learns from δᵢ(b − K), if b ≥ K               learnDueTarget
/// ĝᵢ = Mᵢ(hᵢ, c); δᵢ₋₁ = backward(ĝᵢ); update      syntheticUpdate        → send (b, δᵢ₋₁) down
/// ```
/// The top stage uses the true loss gradient (``lossUpdate``). Locked (backprop, feedback
/// alignment): forward every micro-batch, backward each, then one update (``lockedBackward``,
/// ``lockedUpdate``).
extension Stage {
    /// hᵢ = fᵢ(hᵢ₋₁) in training mode, through body replica `replica` (a micro-batch's own saved
    /// state; 0 is the body itself).
    func trainingForward(_ input: Matrix, replica: Int = 0) -> Matrix {
        bodyReplicas[replica].forward(input, mode: .training)
    }

    /// Makes room for delay `delay` (targets waiting, predictions held) and `microBatches`
    /// micro-batches in flight. Allocates once, before training.
    func prepare(delay: Int, microBatches: Int) {
        synthesizer?.reserveCapacity(max(1, delay))
        inbox.reserveCapacity(max(1, delay) + 1)
        while bodyReplicas.count < microBatches { bodyReplicas.append(body.replica()) }
        if microBatches > 1 && gradientSums.count != parameters.count {
            gradientSums = parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
        }
    }

    /// A bootstrapped target δᵢ for `batch` from the stage above: kept until Mᵢ's turn.
    func receiveTarget(batch: Int, _ target: Matrix) throws {
        try inbox.store(batch: batch, target)
    }

    /// Mᵢ learns from the target of batch `batch − delay` from the inbox, when there is one (the
    /// first K batches of a run have none); logs L_M at `position` of the segment.
    func learnDueTarget(batch: Int, delay: Int, position: Int) throws {
        guard let synthesizer else {
            throw SynthesizerScheduleError("a decoupled stage below the top needs a synthesizer")
        }
        let due = batch - delay
        guard due >= 0 else { return }
        let learned = try inbox.take(batch: due) { target in try synthesizer.learn(batch: due, target: target) }
        if let learned {
            log.synthesizerLoss[position] = learned
            log.synthesizerLearned[position] = true
        } else if synthesizer.heldBatches.contains(due) {
            throw SynthesizerScheduleError("the target of batch \(due) has not arrived when batch \(batch) needs it (delay \(delay))")
        }
    }

    /// Mᵢ predicts ĝᵢ for `batch` from the stage's `output`; ĝᵢ is pushed back through the stage,
    /// which updates at once (with probability `updateProbability`). Returns δᵢ₋₁ when
    /// `needsInputGradient`.
    func syntheticUpdate(batch: Int, output: Matrix, condition: Matrix,
                         needsInputGradient: Bool, updateProbability: Double) throws -> Matrix {
        guard let synthesizer else {
            throw SynthesizerScheduleError("a decoupled stage below the top needs a synthesizer")
        }
        let synthetic = try synthesizer.predict(batch: batch, activation: output, condition: condition)
        let inputGradient = body.backward(synthetic, needsInputGradient: needsInputGradient)
        if drawsUpdate(probability: updateProbability) { update() }
        return inputGradient
    }

    /// The top stage's update with the true gradient of `loss` on `output` against `target`;
    /// logs the loss at `position` and returns δ for the stage below when `needsInputGradient`.
    func lossUpdate(output: Matrix, target: Matrix, loss: any Loss, needsInputGradient: Bool,
                    updateProbability: Double, position: Int) -> Matrix {
        log.loss[position] = loss.evaluate(prediction: output, target: target, gradient: &lossGradient)
        let inputGradient = body.backward(lossGradient, needsInputGradient: needsInputGradient)
        if drawsUpdate(probability: updateProbability) { update() }
        return inputGradient
    }

    /// Locked training: the top stage's loss on micro-batch `replica`, logged as the micro-batch's
    /// share (1/`microBatches`) of the batch loss at `position`; returns ∂ℓ/∂output.
    func lockedLoss(output: Matrix, target: Matrix, loss: any Loss, microBatches: Int, position: Int) -> Matrix {
        let value = loss.evaluate(prediction: output, target: target, gradient: &lossGradient)
        if microBatches == 1 { log.loss[position] = value } else { log.loss[position] += value / Double(microBatches) }
        return lossGradient
    }

    /// Locked training: backward of micro-batch `replica` with the true (or feedback-aligned)
    /// gradient; with several micro-batches, adds the parameter gradients to their sums in
    /// micro-batch order. Returns δ for the stage below when `needsInputGradient`.
    func lockedBackward(_ outputGradient: Matrix, replica: Int, microBatches: Int, needsInputGradient: Bool) -> Matrix {
        let inputGradient = bodyReplicas[replica].backward(outputGradient, needsInputGradient: needsInputGradient)
        if microBatches > 1 {
            for (index, parameter) in parameters.enumerated() {
                if replica == 0 { gradientSums[index].assign(parameter.gradient) } else { gradientSums[index].add(parameter.gradient) }
            }
        }
        return inputGradient
    }

    /// Locked training: one update from the gradients of the whole batch (the mean of the
    /// micro-batch gradients), with probability `updateProbability`.
    func lockedUpdate(microBatches: Int, updateProbability: Double) {
        guard drawsUpdate(probability: updateProbability) else { return }
        if microBatches > 1 {
            let scale = 1 / Float(microBatches)
            for (index, parameter) in parameters.enumerated() {
                parameter.gradient.assign(gradientSums[index])
                parameter.gradient.scale(by: scale)
            }
        }
        update()
    }
}
