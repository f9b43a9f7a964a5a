import DNI
import Testing

/// One training run with the complete unlock, as the fully connected and the convolutional
/// unlock tests read it: the summary, the epoch records, and each stage's synthetic-input probe
/// from the summary's statistics.
struct UnlockedRun {
    /// The run's summary.
    var summary: TrainingSummary
    /// Its epochs, in order.
    var epochs: [EpochRecord]

    /// Runs `train` (a call of an experiment's `run`, given the event callback), keeping the
    /// epoch records.
    init(_ train: ((TrainingEvent) -> Void) throws -> TrainingSummary) rethrows {
        var epochs: [EpochRecord] = []
        summary = try train { event in
            if case .epoch(let record) = event { epochs.append(record) }
        }
        self.epochs = epochs
    }

    /// Stage `stage`'s synthetic input against the real one: mean cosine and relative error
    /// over the last epoch (`input_cosine_stage_i`, `input_relative_error_stage_i`).
    func inputProbe(stage: Int) throws -> (cosine: Double, relativeError: Double) {
        let statistics = Dictionary(uniqueKeysWithValues: summary.executorStatistics.map { ($0.name, $0.value) })
        return (try #require(statistics["input_cosine_stage_\(stage)"]),
                try #require(statistics["input_relative_error_stage_\(stage)"]))
    }

    /// True when `other` computed the same: test metrics and every epoch's training loss.
    func repeats(_ other: UnlockedRun) -> Bool {
        other.summary.test == summary.test && other.epochs.map(\.trainLoss) == epochs.map(\.trainLoss)
    }
}
