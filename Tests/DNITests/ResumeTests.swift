import DNI
import Linalg
import Testing

/// Exact resume (issue 10): a run stopped at any checkpoint and resumed from it — in a fresh
/// network and executor, from the checkpoint's bytes — ends with the same parameters, running
/// statistics and epoch metrics as the run that was never stopped. For every method, with
/// batch norm, an update probability below 1, delays 1–3, pipelined groups with every
/// synthesizer placement, and GPipe micro-batches.
@Suite struct ResumeTests {
    typealias Fixture = DecoupledExecutionTests

    /// One way to run a configuration: how to build its executor.
    struct Execution: CustomStringConvertible {
        var description: String
        var make: (Network) throws -> any Executor
    }

    static func sequential(delay: Int = 1, microBatches: Int = 1) -> Execution {
        Execution(description: "sequential K=\(delay) M=\(microBatches)") {
            SequentialExecutor(network: $0, delay: delay, microBatches: microBatches)
        }
    }

    static func pipelined(_ groups: [Int], delay: Int, microBatches: Int = 1,
                          placement: [SynthesizerPlacement]? = nil) -> Execution {
        Execution(description: "pipelined \(groups) K=\(delay) M=\(microBatches) \(String(describing: placement))") {
            try PipelinedExecutor(network: $0, stageGroups: groups, delay: delay, microBatches: microBatches,
                                  synthesizerPlacement: placement)
        }
    }

    /// What a run ended with (probes left out: a resumed run only has those after its start).
    struct Outcome: Equatable {
        var parameters: [Matrix]
        var runningMeans: [[Float]]
        var epochs: [EpochRecord]
        var digest: String?
    }

    /// Trains 3 epochs of 12 steps (probes every 5 steps, 4 warm-up steps), saving a checkpoint
    /// every `saveEvery` steps into `saved` (as file bytes), or resuming from `resume`.
    static func train(_ configuration: NetworkConfiguration, _ execution: Execution, saveEvery: Int? = nil,
                      resume: [UInt8]? = nil, maxSteps: Int? = nil, saved: inout [[UInt8]]) throws -> Outcome {
        let executor = try execution.make(Fixture.network(configuration))
        let options = TrainingOptions(epochs: 3, batchSize: 8, probeEvery: 5, seed: 3, maxSteps: maxSteps, warmupSteps: 4)
        let trainer = try Trainer(executor: executor, dataset: Fixture.dataset, options: options)
        var files: [[UInt8]] = []
        var plan = CheckpointPlan(saveEvery: saveEvery)
        if let resume { plan.resume = StateTree(sections: try CheckpointFile(parsing: resume).sections) }
        if saveEvery != nil {
            plan.write = { tree in files.append(CheckpointFile(header: Array("{}".utf8), sections: tree.sections).serialized()) }
        }
        var epochs: [EpochRecord] = []
        let summary = try trainer.run(checkpoints: plan) { event in
            if case .epoch(var record) = event {
                record.seconds = 0
                record.elapsedSeconds = 0
                epochs.append(record)
            }
        }
        saved = files
        let network = executor.network
        let means = network.stages.flatMap(\.body.layers).compactMap { ($0 as? BatchNormalization)?.runningMean }
        return Outcome(parameters: network.allParameters.map(\.value), runningMeans: means, epochs: epochs,
                       digest: summary.parametersSHA256)
    }

    /// Runs `configuration` uninterrupted (with and without checkpoints), then resumes from
    /// three of its checkpoints (early, in the middle of an epoch, the end) under `resumeWith`.
    func expectExactResume(_ configuration: NetworkConfiguration, _ execution: Execution,
                           resumeWith: Execution? = nil, comment: String) throws {
        var none: [[UInt8]] = []
        let plain = try Self.train(configuration, execution, saved: &none)
        var checkpoints: [[UInt8]] = []
        let saving = try Self.train(configuration, execution, saveEvery: 5, saved: &checkpoints)
        #expect(saving == plain, "saving checkpoints changed the run: \(comment)")
        // Every 5 of 36 steps, and the end.
        #expect(checkpoints.count == 8, "\(comment)")
        for index in [0, 3, checkpoints.count - 1] where index < checkpoints.count {
            var ignored: [[UInt8]] = []
            let resumed = try Self.train(configuration, resumeWith ?? execution, resume: checkpoints[index], saved: &ignored)
            #expect(resumed == plain, "resumed from checkpoint \(index): \(comment)")
        }
    }

    @Test(arguments: TrainingMethod.allCases)
    func everyMethodResumesExactly(method: TrainingMethod) throws {
        for batchNormalization in [false, true] {
            try expectExactResume(Fixture.configuration(method, batchNormalization: batchNormalization), Self.sequential(),
                                  comment: "\(method) batch norm \(batchNormalization)")
        }
        try expectExactResume(Fixture.configuration(method, updateProbability: 0.5), Self.sequential(),
                              comment: "\(method) update probability 0.5")
        var adam = Fixture.configuration(method, batchNormalization: true)
        adam.optimizer = .adam
        adam.learningRate = 0.01
        try expectExactResume(adam, Self.sequential(), comment: "\(method) Adam")
    }

    @Test(arguments: [TrainingMethod.dni, .cdni], [1, 2, 3])
    func decoupledRunsResumeExactlyUnderEveryDelay(method: TrainingMethod, delay: Int) throws {
        let configuration = Fixture.configuration(method, batchNormalization: true)
        try expectExactResume(configuration, Self.sequential(delay: delay), comment: "\(method) K=\(delay)")
        for placement in SynthesizerPlacement.allCases {
            try expectExactResume(configuration, Self.pipelined([1, 3], delay: delay, placement: [placement]),
                                  comment: "\(method) K=\(delay) pipelined \(placement)")
        }
        // A checkpoint of a sequential run continues under pipelined execution with the same delay.
        try expectExactResume(configuration, Self.sequential(delay: delay),
                              resumeWith: Self.pipelined([2, 2], delay: delay, placement: [.above]),
                              comment: "\(method) K=\(delay) sequential → pipelined")
    }

    /// Small enough for ThreadSanitizer (CI runs it there): two groups on two threads, delay 2.
    @Test(arguments: [TrainingMethod.dni, .cdni])
    func pipelinedRunsResumeExactly(method: TrainingMethod) throws {
        let configuration = Fixture.configuration(method, batchNormalization: true)
        for placement in [SynthesizerPlacement.above, .below] {
            try expectExactResume(configuration, Self.pipelined([1, 3], delay: 2, placement: [placement]),
                                  comment: "\(method) pipelined \(placement)")
        }
    }

    @Test func gpipeRunsResumeExactly() throws {
        let configuration = Fixture.configuration(.backprop, batchNormalization: true)
        try expectExactResume(configuration, Self.pipelined([2, 2], delay: 1, microBatches: 2), comment: "GPipe M=2")
    }

    /// A run cut short by `--steps` (at an epoch's end, and inside one) resumes to the same end,
    /// and a finished one stays finished.
    @Test(arguments: [12, 17])
    func runsWithAStepBudgetResumeExactly(steps: Int) throws {
        let configuration = Fixture.configuration(.dni, batchNormalization: true)
        var none: [[UInt8]] = [], checkpoints: [[UInt8]] = [], ignored: [[UInt8]] = []
        let plain = try Self.train(configuration, Self.sequential(), maxSteps: steps, saved: &none)
        _ = try Self.train(configuration, Self.sequential(), saveEvery: 5, maxSteps: steps, saved: &checkpoints)
        #expect(plain.epochs.count == (steps + 11) / 12)
        for checkpoint in [checkpoints[0], checkpoints[checkpoints.count - 1]] {
            let resumed = try Self.train(configuration, Self.sequential(), resume: checkpoint, maxSteps: steps, saved: &ignored)
            #expect(resumed == plain, "\(steps) steps")
        }
    }

    @Test func aCheckpointOfAnotherNetworkIsRefused() throws {
        var checkpoints: [[UInt8]] = []
        _ = try Self.train(Fixture.configuration(.dni), Self.sequential(), saveEvery: 5, saved: &checkpoints)
        var ignored: [[UInt8]] = []
        var wider = Fixture.configuration(.dni)
        wider.hiddenSizes = [9, 8, 5]
        #expect {
            _ = try Self.train(wider, Self.sequential(), resume: checkpoints[0], saved: &ignored)
        } throws: { error in
            "\(error)".contains("stage.1.body.0.weight") && "\(error)".contains("[9, 8]")
        }
        #expect {
            _ = try Self.train(Fixture.configuration(.backprop), Self.sequential(), resume: checkpoints[0], saved: &ignored)
        } throws: { error in
            "\(error)".contains("synthesizer")
        }
    }

    @Test func digestsTellWeightsApart() throws {
        let network = Fixture.network(Fixture.configuration(.dni))
        let digest = network.parametersSHA256
        #expect(digest.count == 64)
        #expect(Fixture.network(Fixture.configuration(.dni)).parametersSHA256 == digest)
        network.stages[2].parameters[0].value[0, 0] += 1e-6
        #expect(network.parametersSHA256 != digest)
    }

    /// FIPS 180-4 examples.
    @Test func sha256MatchesTheStandardsExamples() {
        #expect(SHA256.hexadecimal(of: Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexadecimal(of: [UInt8]())
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexadecimal(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexadecimal(of: [UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Damaged state trees — every section removed, reshaped, or (integers) set to absurd
    /// values, one at a time — are refused with an ``InputError`` or resume to some run; never a
    /// trap (a trap would end this test process).
    @Test(arguments: TrainingMethod.allCases)
    func everyDamagedSectionIsRefusedOrHarmless(method: TrainingMethod) throws {
        var configuration = Fixture.configuration(method, batchNormalization: true)
        if method == .cdni { configuration.optimizer = .adam }
        try expectDamagedCheckpointsRefused(configuration)
    }

    /// Resumes `configuration` (delay 2, so synthesizers hold two batches) from every
    /// ``CheckpointDamage`` variant of one of its checkpoints: each must be refused or train;
    /// a trap ends the test process.
    func expectDamagedCheckpointsRefused(_ configuration: NetworkConfiguration) throws {
        var checkpoints: [[UInt8]] = []
        _ = try Self.train(configuration, Self.sequential(delay: 2), saveEvery: 5, saved: &checkpoints)
        let sections = try CheckpointFile(parsing: checkpoints[1]).sections
        var refused = 0
        for variant in CheckpointDamage.variants(of: sections) {
            var ignored: [[UInt8]] = []
            let bytes = CheckpointFile(header: Array("{}".utf8), sections: variant).serialized()
            do {
                _ = try Self.train(configuration, Self.sequential(delay: 2), resume: bytes, saved: &ignored)
            } catch {
                refused += 1
            }
        }
        #expect(refused >= sections.count, "most damage must be refused, not trained through")
    }
}
