import DNI
import Linalg
import Testing

/// The complete unlock with its stage groups on threads of their own (`--unlock forward
/// --execution pipelined`): whatever the grouping and the thread timing, a run computes the bits
/// of the one-group run. Part of the ThreadSanitizer run in CI.
@Suite struct PipelinedUnlockTests {
    /// The numbers of a run that must not depend on the executor: the weights, the test
    /// metrics, each epoch's training loss, and the synthetic-input probes (not the time shares).
    struct Outcome: Equatable {
        var parameters: String?
        var test: Evaluation
        var trainLosses: [Double]
        var probes: [String: Double]

        init(_ run: UnlockedRun) {
            parameters = run.summary.parametersSHA256
            test = run.summary.test
            trainLosses = run.epochs.map(\.trainLoss)
            probes = Dictionary(uniqueKeysWithValues: run.summary.executorStatistics
                .filter { $0.name.hasPrefix("input_") && !$0.name.hasSuffix("time_share") }
                .map { ($0.name, $0.value) })
        }
    }

    /// A fully connected network of 2 hidden stages of 32 units and the classifier (3 stages), 2 epochs of 400 bundled images in batches
    /// of 40, with a probe every 4 steps (so that segments start and end mid-epoch).
    static func fullyConnected(_ method: TrainingMethod) -> MNISTExperiment {
        var experiment = MNISTExperiment(method: method)
        experiment.hiddenSize = 32
        experiment.layers = 2
        experiment.batchSize = 40
        experiment.epochs = 2
        experiment.trainLimit = 400
        experiment.learningRateDecayEpochs = []
        experiment.inputModel = SyntheticInputConfiguration(hiddenLayers: 1, hiddenSize: 32)
        experiment.unlock = .forward
        return experiment
    }

    static func run(_ experiment: MNISTExperiment, on mnist: MNISTDataset, _ execution: ExecutionSettings) throws -> UnlockedRun {
        try UnlockedRun { try experiment.run(on: mnist, probeEvery: 4, execution: execution, onEvent: $0) }
    }

    /// cDNI and DNI on the fully connected network: every split of the 3 stages into groups
    /// gives the sequential run's bits. The run is not degenerate: the input models point the
    /// real inputs' way (mean cosine over the last segment 0.31–0.47 here, after 20 steps).
    @Test(arguments: [TrainingMethod.cdni, .dni])
    func everyGroupingComputesTheSequentialRun(method: TrainingMethod) throws {
        let mnist = try MNISTDataset.bundledSubset()
        let experiment = Self.fullyConnected(method)
        let reference = try Self.run(experiment, on: mnist, ExecutionSettings(threads: 1))
        #expect(reference.summary.execution == "sequential-unlocked")
        let outcome = Outcome(reference)
        #expect(outcome.probes.count == 4)
        #expect(outcome.probes.filter { $0.key.hasPrefix("input_cosine") }.values.allSatisfy { $0 > 0.2 }, "\(outcome.probes)")
        for groups in [[1, 2], [2, 1], [1, 1, 1]] {
            let pipelined = try Self.run(experiment, on: mnist,
                                         ExecutionSettings(kind: .pipelined, stageGroups: groups, threads: groups.count))
            #expect(pipelined.summary.execution == "pipelined-unlocked")
            #expect(pipelined.summary.stageGroups == groups)
            #expect(Outcome(pipelined) == outcome, "groups \(groups)")
        }
    }

    /// The small CNN (2 convolutional stages and the classifier) by cDNI: its stages on three
    /// threads compute the sequential run.
    @Test func theCNNOnTwoThreadsComputesTheSequentialRun() throws {
        var experiment = ConvolutionalForwardUnlockTests.smallExperiment(.cdni)
        experiment.epochs = 1
        experiment.trainLimit = 160
        let data = try ConvolutionalForwardUnlockTests.smallDataset(experiment)
        func run(_ execution: ExecutionSettings) throws -> UnlockedRun {
            try UnlockedRun {
                try experiment.run(on: data, imageShape: MNISTExperiment.imageShape, probeEvery: 3,
                                   execution: execution, onEvent: $0)
            }
        }
        let reference = try run(ExecutionSettings(threads: 1))
        let pipelined = try run(ExecutionSettings(kind: .pipelined, stageGroups: [1, 1, 1], threads: 3))
        #expect(pipelined.summary.execution == "pipelined-unlocked")
        #expect(Outcome(pipelined) == Outcome(reference))
    }

    /// Without `--stage-groups`, a pipelined unlocked run splits its stages by measured cost into
    /// one group per core (at most one per stage), and still computes the sequential run.
    @Test func theDefaultSplitComputesTheSequentialRun() throws {
        let mnist = try MNISTDataset.bundledSubset()
        var experiment = Self.fullyConnected(.cdni)
        experiment.epochs = 1
        let reference = try Self.run(experiment, on: mnist, ExecutionSettings(threads: 1))
        let pipelined = try Self.run(experiment, on: mnist, ExecutionSettings(kind: .pipelined, groupCount: 2, threads: 2))
        #expect(pipelined.summary.stageGroups.count == 2 && pipelined.summary.stageGroups.reduce(0, +) == 3,
                "\(pipelined.summary.stageGroups)")
        #expect(Outcome(pipelined) == Outcome(reference))
    }

    /// What the pipelined unlock refuses, each with an ``InputError``: delay 2, micro-batches,
    /// MPI, and groups that do not split the stages.
    @Test func refusedSettings() throws {
        let mnist = try MNISTDataset.bundledSubset()
        var experiment = Self.fullyConnected(.dni)
        experiment.epochs = 1
        for settings in [ExecutionSettings(kind: .pipelined, delay: 2), ExecutionSettings(kind: .pipelined, microBatches: 2),
                         ExecutionSettings(kind: .mpi), ExecutionSettings(kind: .pipelined, stageGroups: [1, 1, 2])] {
            #expect(throws: InputError.self, "\(settings)") { try Self.run(experiment, on: mnist, settings) }
        }
    }
}

/// The cost model that splits the unlocked stages into groups.
@Suite struct UnlockedStageCostTests {
    /// One positive cost per stage, and a split over them that covers every stage.
    @Test func everyStageHasACost() throws {
        var experiment = PipelinedUnlockTests.fullyConnected(.cdni)
        experiment.layers = 3
        let configuration = experiment.networkConfiguration(input: MNISTExperiment.imageShape)
        let costs = try StageCost.measureUnlocked(configuration: configuration, loss: SoftmaxCrossEntropy(), batchSize: 16,
                                                  inputModel: experiment.inputModel, warmup: 1, steps: 1)
        #expect(costs.count == 4)
        #expect(costs.allSatisfy { $0.stage > 0 && $0.synthesizerLearning == 0 })
        let split = StageCost.split(costs, into: 2, movableLearning: false)
        #expect(split.groups.count == 2 && split.groups.reduce(0, +) == 4)
    }
}
