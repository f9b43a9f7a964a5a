import DNI
import Linalg
import Testing

/// Exact resume with the complete unlock: a run resumed from any of its checkpoints — through
/// the checkpoint's bytes, into a fresh network, fresh input models and a fresh executor,
/// sequential or pipelined — ends with the weights, test metrics and epoch losses of the run
/// that was never stopped.
@Suite struct UnlockResumeTests {
    /// The weights' digest, the test metrics and every epoch's training loss.
    struct Outcome: Equatable {
        var parameters: String?
        var test: Evaluation
        var trainLosses: [Double]
    }

    /// Runs the small fully connected cDNI experiment (2 epochs of 10 steps, probes every 4
    /// steps) under `execution`, saving a checkpoint every `saveEvery` steps into `saved` or
    /// resuming from `resume`.
    static func run(_ execution: ExecutionSettings, saveEvery: Int? = nil, resume: [UInt8]? = nil,
                    saved: inout [[UInt8]]) throws -> Outcome {
        let mnist = try MNISTDataset.bundledSubset()
        let experiment = PipelinedUnlockTests.fullyConnected(.cdni)
        var files: [[UInt8]] = []
        var plan = CheckpointPlan(saveEvery: saveEvery)
        if let resume { plan.resume = StateTree(sections: try CheckpointFile(parsing: resume).sections) }
        if saveEvery != nil {
            plan.write = { tree in files.append(CheckpointFile(header: Array("{}".utf8), sections: tree.sections).serialized()) }
        }
        let run = try UnlockedRun {
            try experiment.run(on: mnist, probeEvery: 4, execution: execution, checkpoints: plan, onEvent: $0)
        }
        saved = files
        return Outcome(parameters: run.summary.parametersSHA256, test: run.summary.test,
                       trainLosses: run.epochs.map(\.trainLoss))
    }

    @Test func unlockedRunsResumeExactly() throws {
        let sequential = ExecutionSettings(threads: 1)
        let pipelined = ExecutionSettings(kind: .pipelined, stageGroups: [1, 2], threads: 2)
        var none: [[UInt8]] = [], checkpoints: [[UInt8]] = []
        let plain = try Self.run(sequential, saved: &none)
        #expect(try Self.run(sequential, saveEvery: 6, saved: &checkpoints) == plain, "saving changed the run")
        #expect(checkpoints.count == 4)
        for index in [0, 1, checkpoints.count - 1] {
            for execution in [sequential, pipelined] {
                var ignored: [[UInt8]] = []
                let resumed = try Self.run(execution, resume: checkpoints[index], saved: &ignored)
                #expect(resumed == plain, "checkpoint \(index), \(execution.kind)")
            }
        }
        // A pipelined run's checkpoints resume as well.
        var pipelinedCheckpoints: [[UInt8]] = []
        #expect(try Self.run(pipelined, saveEvery: 6, saved: &pipelinedCheckpoints) == plain)
        var ignored: [[UInt8]] = []
        #expect(try Self.run(sequential, resume: pipelinedCheckpoints[1], saved: &ignored) == plain)
    }

    /// A checkpoint without input models does not resume an unlocked run, and one with them does
    /// not resume a run without the unlock: each is an ``InputError``.
    @Test func checkpointsOfTheOtherKindAreRefused() throws {
        let mnist = try MNISTDataset.bundledSubset()
        var unlocked = PipelinedUnlockTests.fullyConnected(.cdni)
        unlocked.epochs = 1
        var plain = unlocked
        plain.unlock = .update
        func checkpoint(of experiment: MNISTExperiment) throws -> StateTree {
            var last: StateTree?
            let plan = CheckpointPlan(saveEvery: 5) { last = $0 }
            _ = try experiment.run(on: mnist, checkpoints: plan)
            return try #require(last)
        }
        let fromPlain = try checkpoint(of: plain), fromUnlocked = try checkpoint(of: unlocked)
        #expect(throws: InputError.self) { try unlocked.run(on: mnist, checkpoints: CheckpointPlan(resume: fromPlain)) }
        #expect(throws: InputError.self) { try plain.run(on: mnist, checkpoints: CheckpointPlan(resume: fromUnlocked)) }
    }
}
