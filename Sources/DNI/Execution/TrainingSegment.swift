import Linalg

/// A run of consecutive training steps that an ``Executor`` carries out in one go: the steps
/// of an epoch between two probes (or the warm-up steps). Between segments every stage is idle,
/// so the trainer can probe, evaluate and report with the stages in a well-defined state.
public struct TrainingSegment: Sendable {
    /// All training inputs, `[examples, inputSize]`.
    public var inputs: Matrix
    /// All training targets, `[examples, outputSize]` (also the cDNI condition).
    public var targets: Matrix
    /// The epoch's order of examples: batch `s` of the epoch is rows `order[s·B ..< (s+1)·B]`.
    public var order: [Int]
    /// Examples per batch, B.
    public var batchSize: Int
    /// The first step's index within the epoch's order.
    public var firstStep: Int
    /// Steps in the segment.
    public var count: Int
    /// The global batch id of the first step: ids count every step of the run, warm-up included,
    /// and are what delays and messages refer to.
    public var firstBatch: Int

    /// A segment of `count` steps from step `firstStep` of `order`, the first with id `firstBatch`.
    public init(inputs: Matrix, targets: Matrix, order: [Int], batchSize: Int, firstStep: Int, count: Int, firstBatch: Int) {
        precondition(batchSize >= 1 && count >= 0 && (firstStep + count) * batchSize <= order.count,
                     "a segment must lie inside the epoch's order")
        self.inputs = inputs
        self.targets = targets
        self.order = order
        self.batchSize = batchSize
        self.firstStep = firstStep
        self.count = count
        self.firstBatch = firstBatch
    }

    /// The example indices of micro-batch `micro` of `microBatches` of the segment's step at
    /// `position` (`micro` 0 of 1 is the whole batch).
    func rows(position: Int, micro: Int = 0, of microBatches: Int = 1) -> ArraySlice<Int> {
        let start = (firstStep + position) * batchSize
        let size = batchSize / microBatches
        return order[(start + micro * size)..<(start + (micro + 1) * size)]
    }
}

/// What an executor measured on each step of a segment.
public struct SegmentResult: Sendable, Equatable {
    /// The task loss L of each step's batch, in step order.
    public var losses: [Double]
    /// The mean regression loss L_M of the synthesizers that learned at each step (0 if none).
    public var synthesizerLosses: [Double]

    /// Results given directly (an executor whose stages report elsewhere).
    public init(losses: [Double], synthesizerLosses: [Double]) {
        self.losses = losses
        self.synthesizerLosses = synthesizerLosses
    }

    /// The results read off the stages' logs after a segment of `count` steps (stage order
    /// fixes the order of every sum, so the numbers do not depend on the executor).
    public init(stages: [Stage], count: Int) {
        let top = stages[stages.count - 1]
        losses = Array(top.log.loss.prefix(count))
        synthesizerLosses = (0..<count).map { position in
            var sum = 0.0, learned = 0
            for (index, stage) in stages.enumerated().dropLast() {
                // Mᵢ learned on its own stage's thread, on the stage above's, or on the stage below's.
                let above = stages[index + 1].log
                if stage.log.synthesizerLearned[position] {
                    sum += stage.log.synthesizerLoss[position]
                    learned += 1
                } else if above.lowerSynthesizerLearned[position] {
                    sum += above.lowerSynthesizerLoss[position]
                    learned += 1
                } else if index > 0, stages[index - 1].log.upperSynthesizerLearned[position] {
                    sum += stages[index - 1].log.upperSynthesizerLoss[position]
                    learned += 1
                }
            }
            return learned > 0 ? sum / Double(learned) : 0
        }
    }
}
