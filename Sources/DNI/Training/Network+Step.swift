import Linalg

/// What one training step measured.
public struct StepResult: Sendable, Equatable {
    /// The task loss L on this batch (before the update).
    public var loss: Double
    /// Mean over the synthesizers that learned this step of their regression loss L_M (0 without).
    public var synthesizerLoss: Double
}

extension Network {
    /// One sequential training step on a batch, with the method the network was built for and
    /// delay 1: under DNI each synthesizer first learns from the target its stage received on
    /// the previous step, then predicts for this batch (so the target of the last step waits for
    /// the next one). The cDNI condition is `target`.
    @discardableResult
    public func trainStep(input: Matrix, target: Matrix) -> StepResult {
        let worker = singleStepWorker
        let batch = nextStepBatch
        nextStepBatch += 1
        do {
            try worker.trainBatch(batch: batch, input: input, target: target)
        } catch {
            preconditionFailure("a sequential step cannot be driven out of turn: \(error)")
        }
        var synthesizerLoss = 0.0, learned = 0
        for stage in stages.dropLast() where stage.log.synthesizerLearned[0] {
            synthesizerLoss += stage.log.synthesizerLoss[0]
            learned += 1
        }
        return StepResult(loss: stages[stages.count - 1].log.loss[0],
                          synthesizerLoss: learned > 0 ? synthesizerLoss / Double(learned) : 0)
    }
}
