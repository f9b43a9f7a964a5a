import DNI
import Linalg
import Testing

/// Exact resume of the recurrent runs (issue 10): a run resumed from any of its checkpoints —
/// through the checkpoint's bytes, into a fresh network and task — ends with the summary of the
/// run that was never stopped: the same parameters (digest), curriculum, bits and test metrics.
/// For truncated BPTT, DNI (linear and MLP synthesizers), DNI + Aux, Copy, Repeat Copy and the
/// text task with its validation-driven early stopping.
@Suite struct RecurrentResumeTests {
    static func experiment(_ task: any RecurrentTaskConfiguration, _ method: TrainingMethod,
                           configure: (inout RecurrentExperiment) -> Void = { _ in }) -> RecurrentExperiment {
        var experiment = RecurrentExperiment(task: task, method: method)
        experiment.hiddenSize = 16
        experiment.batchSize = 4
        experiment.truncation = 3
        experiment.windows = 40
        experiment.reportEvery = 7
        experiment.learningRate = 3e-3
        experiment.synthesizerLearningRate = 3e-3
        experiment.seed = 5
        configure(&experiment)
        return experiment
    }

    /// The summary fields a resumed run must reproduce (times left out).
    static func outcome(_ summary: TrainingSummary) -> [String] {
        var fields = ["\(summary.parametersSHA256 ?? "none")", "\(summary.trainLoss)", "\(summary.test)"]
        for (key, value) in summary.additionalFields.sorted(by: { $0.key < $1.key })
        where !["windows_per_second"].contains(key) {
            fields.append("\(key)=\(value)")
        }
        return fields
    }

    func expectExactResume(_ experiment: RecurrentExperiment, comment: String) throws {
        let plain = Self.outcome(try experiment.run(engine: .builtin(threads: 1)))
        var files: [[UInt8]] = []
        let plan = CheckpointPlan(saveEvery: 6) { tree in
            files.append(CheckpointFile(header: Array("{}".utf8), sections: tree.sections).serialized())
        }
        let saving = Self.outcome(try experiment.run(engine: .builtin(threads: 1), checkpoints: plan))
        #expect(saving == plain, "saving checkpoints changed the run: \(comment)")
        #expect(files.count >= 3, "\(comment)")
        for index in [0, files.count / 2, files.count - 1] {
            let tree = StateTree(sections: try CheckpointFile(parsing: files[index]).sections)
            let resumed = Self.outcome(try experiment.run(engine: .builtin(threads: 1), checkpoints: CheckpointPlan(resume: tree)))
            #expect(resumed == plain, "resumed from checkpoint \(index): \(comment)")
        }
    }

    @Test(arguments: [TrainingMethod.backprop, .dni])
    func copyRunsResumeExactly(method: TrainingMethod) throws {
        try expectExactResume(Self.experiment(CopyTaskConfiguration(), method), comment: "copy \(method)")
        try expectExactResume(Self.experiment(CopyTaskConfiguration(maxRepeats: 2), method), comment: "repeat-copy \(method)")
    }

    @Test func dniVariantsResumeExactly() throws {
        try expectExactResume(Self.experiment(CopyTaskConfiguration(), .dni) { $0.synthesizerHiddenLayers = 1; $0.synthesizerHiddenSize = 8 },
                              comment: "MLP synthesizer")
        try expectExactResume(Self.experiment(CopyTaskConfiguration(), .dni) { $0.synthesizerRank = 3 },
                              comment: "factored synthesizer")
        try expectExactResume(Self.experiment(CopyTaskConfiguration(), .dni) { $0.auxiliary = true }, comment: "DNI + Aux")
        try expectExactResume(Self.experiment(CopyTaskConfiguration(), .dni) { $0.injectsNoise = true },
                              comment: "the same-norm noise control")
    }

    @Test(arguments: [TrainingMethod.backprop, .dni])
    func textRunsResumeExactlyThroughEarlyStopping(method: TrainingMethod) throws {
        var task = TextTaskConfiguration()
        task.evaluateEvery = 5
        task.patience = 2
        let experiment = Self.experiment(task, method) { $0.windows = 200; $0.learningRate = 0.05 }
        // The run must stop early for the test to cover early stopping.
        let steps = try experiment.run(engine: .builtin(threads: 1)).additionalFields["steps"]
        #expect(steps.map { $0 < 200 } == true, "text \(method) did not stop early: \(String(describing: steps)) windows")
        try expectExactResume(experiment, comment: "text \(method)")
    }

    @Test func aCheckpointOfAnotherRecurrentNetworkIsRefused() throws {
        var saved: StateTree?
        let plan = CheckpointPlan(saveEvery: 10) { saved = $0 }
        _ = try Self.experiment(CopyTaskConfiguration(), .dni).run(engine: .builtin(threads: 1), checkpoints: plan)
        let tree = try #require(saved)
        #expect(throws: InputError.self) {
            _ = try Self.experiment(CopyTaskConfiguration(), .dni) { $0.hiddenSize = 12 }
                .run(engine: .builtin(threads: 1), checkpoints: CheckpointPlan(resume: tree))
        }
        #expect {
            _ = try Self.experiment(CopyTaskConfiguration(), .backprop).run(engine: .builtin(threads: 1),
                                                                              checkpoints: CheckpointPlan(resume: tree))
        } throws: { error in "\(error)".contains("synthesizer") }
    }

    /// Damaged trees — each section removed, grown, given an extra row, or (integers) set to
    /// absurd values — are refused with an error or resume harmlessly; never a trap.
    @Test func everyDamagedSectionIsRefusedOrHarmless() throws {
        var text = TextTaskConfiguration()
        text.evaluateEvery = 5
        let experiments = [Self.experiment(CopyTaskConfiguration(maxRepeats: 2), .dni) { $0.auxiliary = true; $0.windows = 20 },
                           Self.experiment(text, .dni) { $0.windows = 20 }]
        for experiment in experiments {
            var saved: StateTree?
            _ = try experiment.run(engine: .builtin(threads: 1), checkpoints: CheckpointPlan(saveEvery: 12) { saved = saved ?? $0 })
            let sections = try #require(saved).sections
            var refused = 0
            for variant in CheckpointDamage.variants(of: sections) {
                do {
                    _ = try experiment.run(engine: .builtin(threads: 1), checkpoints: CheckpointPlan(resume: StateTree(sections: variant)))
                } catch {
                    refused += 1
                }
            }
            #expect(refused >= sections.count, "most damage must be refused, not trained through")
        }
    }
}
