import DNI

/// When synthetic-gradient probes run if `--probe-every` is not given.
///
/// A probe costs about one extra forward and backward pass on one batch (``Network/probe``) and
/// does not change training. Four probes per epoch give every epoch of a report's cosine chart
/// its points whatever the data size, at a cost of four steps in `stepsPerEpoch`: under 2% on
/// full MNIST (234 steps per epoch), under 1% on addition (625), 20% of the tiny 19-step epochs
/// of the bundled 5,000-image subset.
enum ProbeSchedule {
    /// Probes per epoch by default.
    static let probesPerEpoch = 4

    /// The interval in steps for a run of `trainingExamples` in batches of `batchSize`.
    static func defaultInterval(trainingExamples: Int, batchSize: Int) -> Int {
        let stepsPerEpoch = trainingExamples / max(1, batchSize)
        return max(1, stepsPerEpoch / probesPerEpoch)
    }

    /// The interval a run uses: `requested` if given (0: never), else the default when
    /// `probesByDefault` and `method` has synthesizers, else never.
    static func interval(requested: Int?, probesByDefault: Bool, method: TrainingMethod,
                         trainingExamples: Int, batchSize: Int) -> Int? {
        if let requested { return requested == 0 ? nil : requested }
        guard probesByDefault, method.usesSynthesizers else { return nil }
        return defaultInterval(trainingExamples: trainingExamples, batchSize: batchSize)
    }
}
