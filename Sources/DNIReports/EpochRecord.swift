/// The metrics of one training epoch, as written by `dni train --json` (docs/reports.md):
/// `{"event":"epoch","epoch":3,"train_loss":0.12,"test_loss":0.15,"test_accuracy":0.97,"seconds":4.2}`.
public struct EpochRecord: Sendable, Equatable {
    /// The epoch number (the trainer counts from 1).
    public var epoch: Int
    /// The mean training loss over the epoch.
    public var trainLoss: Double
    /// The loss on the test set after the epoch, when measured.
    public var testLoss: Double?
    /// The fraction of test examples classified correctly, in [0, 1], when measured.
    public var testAccuracy: Double?
    /// Wall-clock seconds the epoch took.
    public var seconds: Double?
    /// Any other numeric fields of the line (`test_exact`, `test_bit_accuracy`, `synthesizer_loss`…),
    /// keyed by their JSON names.
    public var extraFields: [String: Double]

    /// An epoch record; only the epoch number and the training loss are required.
    public init(
        epoch: Int,
        trainLoss: Double,
        testLoss: Double? = nil,
        testAccuracy: Double? = nil,
        seconds: Double? = nil,
        extraFields: [String: Double] = [:]
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.seconds = seconds
        self.extraFields = extraFields
    }

    /// The test error in percent, 100 · (1 − accuracy), when the accuracy was measured.
    public var testErrorPercent: Double? {
        testAccuracy.map { 100 * (1 - $0) }
    }
}
