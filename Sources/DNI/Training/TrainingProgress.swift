import Linalg

/// Where a run stands in its data and schedule: the state a ``Trainer`` carries from step to
/// step, saved in every checkpoint (`trainer.*` paths) so a resumed run continues exactly where
/// the checkpoint was taken — same epoch, same position in the same shuffled order, same
/// shuffling stream, same running sums.
struct TrainingProgress {
    /// The epoch under way, or the next one when ``epochStarted`` is false (1-based).
    var epoch = 1
    /// True once the epoch's learning-rate decay is applied and its order drawn.
    var epochStarted = false
    /// Steps done in the epoch.
    var step = 0
    /// The epoch's order of examples.
    var order: [Int]
    /// The shuffling stream (drawn once per epoch).
    var shuffle: SeededGenerator
    /// Training steps done in the run (warm-up excluded).
    var globalStep = 0
    /// The global id of the next batch (warm-up included).
    var nextBatch = 0
    /// Training seconds of the finished epochs, and of the epoch under way.
    var elapsedSeconds = 0.0
    var epochSeconds = 0.0
    /// The epoch's running sums.
    var lossSum = 0.0
    var synthesizerLossSum = 0.0
    var stepsTaken = 0
    /// Examples trained on in the run.
    var trainedExamples = 0
    /// Every finished epoch's record (the metrics so far).
    var records: [EpochRecord] = []

    /// The start of a run over `trainCount` examples shuffled from `seed`.
    init(trainCount: Int, seed: UInt64) {
        order = Array(0..<trainCount)
        shuffle = SeededGenerator(seed: seed &+ 0x5EED_0F_5A_FF1E)
    }

    /// Numbers per saved epoch record.
    private static let recordWidth = 8

    /// Writes the progress at `path`.
    func save(into tree: inout StateTree, path: String) {
        tree.set("\(path).position", integers: [epoch, epochStarted ? 1 : 0, step, globalStep, nextBatch,
                                                stepsTaken, trainedExamples])
        tree.set("\(path).order", integers: order)
        tree.set("\(path).shuffle_generator", generator: shuffle)
        tree.set("\(path).sums", doubles: [elapsedSeconds, epochSeconds, lossSum, synthesizerLossSum])
        var numbers: [Double] = []
        for record in records {
            numbers += [Double(record.epoch), record.trainLoss, record.synthesizerLoss, record.test.loss,
                        record.test.accuracy, record.test.exactAccuracy ?? .nan, record.seconds, record.elapsedSeconds]
        }
        tree.set("\(path).epoch_records", doubles: numbers)
    }

    /// Reads back what ``save(into:path:)`` wrote, for a run over `trainCount` examples.
    mutating func load(from tree: StateTree, path: String, trainCount: Int) throws(InputError) {
        let position = try tree.integers("\(path).position")
        guard position.count == 7 else { throw InputError("'\(path).position' holds \(position.count) numbers, expected 7") }
        (epoch, step, globalStep, nextBatch, stepsTaken, trainedExamples) =
            (position[0], position[2], position[3], position[4], position[5], position[6])
        epochStarted = position[1] != 0
        let savedOrder = try tree.integers("\(path).order")
        guard savedOrder.count == trainCount, Set(savedOrder) == Set(0..<trainCount) else {
            throw InputError("'\(path).order' does not order this run's \(trainCount) training examples (a different data set?)")
        }
        guard epoch >= 1, step >= 0, globalStep >= 0, nextBatch >= globalStep else {
            throw InputError("'\(path).position' is not a position a run can reach")
        }
        order = savedOrder
        shuffle = try tree.generator("\(path).shuffle_generator")
        let sums = try tree.doubles("\(path).sums")
        guard sums.count == 4 else { throw InputError("'\(path).sums' holds \(sums.count) numbers, expected 4") }
        (elapsedSeconds, epochSeconds, lossSum, synthesizerLossSum) = (sums[0], sums[1], sums[2], sums[3])
        let numbers = try tree.doubles("\(path).epoch_records")
        guard numbers.count % Self.recordWidth == 0 else {
            throw InputError("'\(path).epoch_records' holds \(numbers.count) numbers, not records of \(Self.recordWidth)")
        }
        records = stride(from: 0, to: numbers.count, by: Self.recordWidth).map { start in
            let n = numbers[start..<(start + Self.recordWidth)].map { $0 }
            return EpochRecord(epoch: Int(n[0]), trainLoss: n[1], synthesizerLoss: n[2],
                               test: Evaluation(loss: n[3], accuracy: n[4], exactAccuracy: n[5].isNaN ? nil : n[5]),
                               seconds: n[6], elapsedSeconds: n[7])
        }
    }
}
