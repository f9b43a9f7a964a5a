import DNI
import Linalg
import Testing

/// The promise of decoupled execution (docs/decoupled-execution.md): with the same delay K (and, for locked
/// methods, the same micro-batches), every executor computes the same bits as the sequential
/// reference — whatever the grouping of stages onto threads and whatever the thread timing.
@Suite struct DecoupledExecutionTests {
    /// A 4-stage network small enough to train in milliseconds; `batchNormalization` exercises
    /// the replicas' shared running statistics.
    static func configuration(_ method: TrainingMethod, batchNormalization: Bool = false,
                              updateProbability: Double = 1, seed: UInt64 = 7) -> NetworkConfiguration {
        NetworkConfiguration(
            inputSize: 6, hiddenSizes: [9, 7, 5], outputSize: 3,
            hiddenActivation: batchNormalization ? .relu : .tanh, outputActivation: .sigmoid,
            batchNormalization: batchNormalization, method: method, optimizer: .momentum, learningRate: 0.05,
            synthesizer: SynthesizerConfiguration(hiddenLayers: batchNormalization ? 1 : 0, hiddenSize: 8,
                                                  batchNormalization: batchNormalization, learningRate: 0.02),
            updateProbability: updateProbability, seed: seed)
    }

    static let dataset: Dataset = {
        var generator = SeededGenerator(seed: 99)
        let inputs = Matrix.randomNormal(rows: 96, columns: 6, standardDeviation: 1, using: &generator)
        let targets = Matrix.randomUniform(rows: 96, columns: 3, lower: 0, upper: 1, using: &generator)
        return Dataset(name: "random", kind: .binaryAddition(bits: 3), trainInputs: inputs, trainTargets: targets,
                       testInputs: inputs, testTargets: targets)
    }()

    /// What a run produced: every parameter, every epoch's numbers, every probe.
    struct Outcome: Equatable {
        var parameters: [Matrix]
        var runningMeans: [[Float]]
        var epochs: [EpochRecord]
        var probes: [ProbeRecord]
    }

    /// Trains 3 epochs of 12 steps (with probes every 5 steps and 4 warm-up steps) through
    /// `executor`, in segments of at most `segmentSteps` steps.
    static func train(_ executor: any Executor, segmentSteps: Int? = nil) throws -> Outcome {
        var options = TrainingOptions(epochs: 3, batchSize: 8, probeEvery: 5, seed: 3, warmupSteps: 4)
        options.maxSegmentSteps = segmentSteps
        let trainer = try Trainer(executor: executor, dataset: dataset, options: options)
        var epochs: [EpochRecord] = [], probes: [ProbeRecord] = []
        _ = try trainer.run { event in
            switch event {
            case .epoch(var record):
                record.seconds = 0
                record.elapsedSeconds = 0
                epochs.append(record)
            case .probe(let record): probes.append(record)
            case .step, .line: break
            }
        }
        let network = executor.network
        let means = network.stages.flatMap(\.body.layers).compactMap { ($0 as? BatchNormalization)?.runningMean }
        return Outcome(parameters: network.allParameters.map(\.value), runningMeans: means, epochs: epochs, probes: probes)
    }

    static func network(_ configuration: NetworkConfiguration) -> Network {
        Network(configuration: configuration, loss: MeanSquaredError(), engine: .builtin(threads: 1))
    }

    @Test(arguments: [TrainingMethod.dni, .cdni], [1, 2, 3])
    func pipelinedEqualsSequentialBitForBit(method: TrainingMethod, delay: Int) throws {
        for batchNormalization in [false, true] {
            let configuration = Self.configuration(method, batchNormalization: batchNormalization)
            let reference = try Self.train(SequentialExecutor(network: Self.network(configuration), delay: delay))
            #expect(reference.epochs.allSatisfy { $0.trainLoss.isFinite })
            #expect(reference.probes.count >= 7, "probes every 5 of 36 steps")
            for groups in [[1, 1, 1, 1], [2, 2], [1, 3]] {
                // Each boundary's synthesizers learning on their own groups, above or below, or mixed
                // (below only where the upper group has two stages or more).
                var placements: [[SynthesizerPlacement]?] = [nil]
                for placement in SynthesizerPlacement.allCases {
                    placements.append((0..<(groups.count - 1)).map { boundary in
                        StageCost.allows(placement, groupSize: groups[boundary + 1]) ? placement : .own
                    })
                }
                placements.append((0..<(groups.count - 1)).map { $0 % 2 == 0 ? .above : .own })
                for placement in placements {
                    let pipelined = try Self.train(PipelinedExecutor(
                        network: Self.network(configuration), stageGroups: groups, delay: delay,
                        synthesizerPlacement: placement))
                    #expect(pipelined == reference,
                            "\(method) K=\(delay) groups \(groups) placement \(String(describing: placement)) batch norm \(batchNormalization)")
                }
            }
        }
    }

    @Test(arguments: [TrainingMethod.dni, .cdni, .backprop])
    func updateProbabilityIsDrawnPerStageIdentically(method: TrainingMethod) throws {
        let configuration = Self.configuration(method, updateProbability: 0.5)
        let micro = method == .backprop ? 2 : 1
        let reference = try Self.train(SequentialExecutor(network: Self.network(configuration), delay: 2, microBatches: micro))
        let pipelined = try Self.train(PipelinedExecutor(network: Self.network(configuration), stageGroups: [2, 1, 1],
                                                         delay: 2, microBatches: micro))
        #expect(pipelined == reference)
        // And the draws matter: the same run with every update applied ends elsewhere.
        let always = try Self.train(SequentialExecutor(network: Self.network(Self.configuration(method)), delay: 2,
                                                       microBatches: micro))
        #expect(always.parameters != reference.parameters)
    }

    @Test(arguments: [TrainingMethod.backprop, .fa], [1, 2, 4])
    func gpipeEqualsSequentialMicroBatches(method: TrainingMethod, microBatches: Int) throws {
        for batchNormalization in [false, true] {
            let configuration = Self.configuration(method, batchNormalization: batchNormalization)
            let reference = try Self.train(SequentialExecutor(network: Self.network(configuration), microBatches: microBatches))
            let pipelined = try Self.train(PipelinedExecutor(network: Self.network(configuration), stageGroups: [1, 2, 1],
                                                             delay: 1, microBatches: microBatches))
            #expect(pipelined == reference, "\(method) M=\(microBatches) batch norm \(batchNormalization)")
        }
    }

    /// One micro-batch of a locked pipeline is plain backprop, the network's own trainStep.
    @Test func oneMicroBatchIsPlainBackprop() throws {
        let configuration = Self.configuration(.backprop)
        let stepped = Self.network(configuration)
        let segmentNetwork = Self.network(configuration)
        let executor = try PipelinedExecutor(network: segmentNetwork, stageGroups: [2, 2], delay: 1, microBatches: 1)
        let order = Array(0..<Self.dataset.trainCount)
        _ = try executor.train(TrainingSegment(inputs: Self.dataset.trainInputs, targets: Self.dataset.trainTargets,
                                               order: order, batchSize: 8, firstStep: 0, count: 5, firstBatch: 0))
        var input = Matrix.empty, target = Matrix.empty
        for step in 0..<5 {
            input.gatherRows(order[(step * 8)..<((step + 1) * 8)], of: Self.dataset.trainInputs)
            target.gatherRows(order[(step * 8)..<((step + 1) * 8)], of: Self.dataset.trainTargets)
            stepped.trainStep(input: input, target: target)
        }
        #expect(stepped.allParameters.map(\.value) == segmentNetwork.allParameters.map(\.value))
    }

    /// Where the trainer cuts the steps into segments (the stages are drained between them)
    /// changes nothing: a segment of one step, of three, or up to each probe, all the same bits.
    @Test(arguments: [TrainingMethod.dni, .backprop])
    func segmentsChangeNothing(method: TrainingMethod) throws {
        let configuration = Self.configuration(method)
        let micro = method == .backprop ? 2 : 1
        let reference = try Self.train(SequentialExecutor(network: Self.network(configuration), delay: 2, microBatches: micro))
        for segmentSteps in [1, 3] {
            let pipelined = try Self.train(PipelinedExecutor(network: Self.network(configuration), stageGroups: [2, 2],
                                                             delay: 2, microBatches: micro), segmentSteps: segmentSteps)
            #expect(pipelined == reference, "segments of \(segmentSteps)")
        }
    }

    /// Staleness is a parameter: a larger delay trains differently (but deterministically).
    @Test func delayChangesTheResult() throws {
        let configuration = Self.configuration(.cdni)
        let one = try Self.train(SequentialExecutor(network: Self.network(configuration), delay: 1))
        let two = try Self.train(SequentialExecutor(network: Self.network(configuration), delay: 2))
        let twoAgain = try Self.train(SequentialExecutor(network: Self.network(configuration), delay: 2))
        #expect(one.parameters != two.parameters)
        #expect(two == twoAgain)
    }

    /// Products split over threads give the same bits as on one thread, so a run does not
    /// depend on `--threads` either.
    @Test func gemmThreadsDoNotChangeTheResult() throws {
        let configuration = NetworkConfiguration(
            inputSize: 784, hiddenSizes: [256, 256], outputSize: 10, hiddenActivation: .relu, outputActivation: nil,
            batchNormalization: true, initialization: .he, method: .cdni, optimizer: .adam, learningRate: 1e-3,
            synthesizer: SynthesizerConfiguration(learningRate: 1e-3), seed: 4)
        var generator = SeededGenerator(seed: 5)
        let input = Matrix.randomNormal(rows: 128, columns: 784, standardDeviation: 1, using: &generator)
        var target = Matrix(rows: 128, columns: 10)
        for row in 0..<128 { target[row, row % 10] = 1 }
        let one = Network(configuration: configuration, loss: SoftmaxCrossEntropy(), engine: .builtin(threads: 1))
        let two = Network(configuration: configuration, loss: SoftmaxCrossEntropy(), engine: .builtin(threads: 2))
        for _ in 0..<3 {
            one.trainStep(input: input, target: target)
            two.trainStep(input: input, target: target)
        }
        #expect(one.allParameters.map(\.value) == two.allParameters.map(\.value))
    }

    /// Stage i is built alone from (configuration, i, seed): the same weights whether the whole
    /// network is built or only that stage (what a rank owning one stage does).
    @Test func aStageBuildsAlone() {
        let configuration = Self.configuration(.cdni, batchNormalization: true)
        let network = Self.network(configuration)
        for index in 0..<configuration.stageCount {
            let alone = Stage(configuration: configuration, index: index, engine: .builtin(threads: 1))
            #expect(alone.parameters.map(\.value) == network.stages[index].parameters.map(\.value))
            #expect(alone.synthesizer?.parameters.map(\.value) == network.stages[index].synthesizer?.parameters.map(\.value))
        }
        #expect(network.stages[0].parameters[0].value != network.stages[1].parameters[0].value)
    }

    @Test func executorsReportTheirSchedule() throws {
        let settings = ExecutionSettings(kind: .pipelined, groupCount: 2, threads: 2)
        let executor = try settings.makeExecutor(configuration: Self.configuration(.dni), loss: MeanSquaredError(), batchSize: 8)
        #expect(executor.name == "pipelined")
        #expect(executor.delay == 1)
        #expect(executor.stageGroups.count == 2 && executor.stageGroups.reduce(0, +) == 4)
        let locked = try ExecutionSettings(kind: .pipelined, stageGroups: [2, 2])
            .makeExecutor(configuration: Self.configuration(.backprop), loss: MeanSquaredError(), batchSize: 8)
        #expect(locked.microBatches == 4 && locked.stageGroups == [2, 2])
        let sequential = try ExecutionSettings().makeExecutor(configuration: Self.configuration(.cdni),
                                                              loss: MeanSquaredError(), batchSize: 8)
        #expect(sequential.name == "sequential" && sequential.delay == 1 && sequential.stageGroups == [4])
    }

    @Test func badSchedulesAreBadInput() {
        let configuration = Self.configuration(.dni)
        #expect(throws: InputError.self) {
            try PipelinedExecutor(network: Self.network(configuration), stageGroups: [2, 1], delay: 2)
        }
        #expect(throws: InputError.self) {
            try ExecutionSettings(kind: .pipelined, delay: 0).makeExecutor(configuration: configuration,
                                                                             loss: MeanSquaredError(), batchSize: 8)
        }
        #expect(throws: InputError.self) {
            try ExecutionSettings(kind: .pipelined, microBatches: 3).makeExecutor(
                configuration: Self.configuration(.backprop), loss: MeanSquaredError(), batchSize: 8)
        }
        #expect(throws: InputError.self) {
            try ExecutionSettings(kind: .pipelined, groupCount: 2).makeExecutor(
                configuration: Self.configuration(.dfa), loss: MeanSquaredError(), batchSize: 8)
        }
    }

    /// The split that moves synthesizer learning across boundaries finds the best of every
    /// split and placement, checked against trying them all.
    @Test func splitChoosesGroupsAndPlacements() {
        let cases: [[StageCost]] = [
            [StageCost(stage: 1, synthesizerLearning: 3), StageCost(stage: 0.5, synthesizerLearning: 3),
             StageCost(stage: 0.5, synthesizerLearning: 3), StageCost(stage: 0.01)],
            [StageCost(stage: 2.1, synthesizerLearning: 0.68), StageCost(stage: 1.22, synthesizerLearning: 0.68),
             StageCost(stage: 1.21, synthesizerLearning: 0.68), StageCost(stage: 0.08)],
            [StageCost(stage: 2, synthesizerLearning: 1), StageCost(stage: 1, synthesizerLearning: 4), StageCost(stage: 3)],
        ]
        for costs in cases {
            for groups in 1...costs.count {
                let split = StageCost.split(costs, into: groups, movableLearning: true)
                // The oracle: every composition into `groups` parts, every placement.
                var best = Double.infinity
                func compositions(_ left: Int, _ parts: Int) -> [[Int]] {
                    parts == 1 ? [[left]] : (1...max(1, left - parts + 1)).flatMap { first in
                        compositions(left - first, parts - 1).map { [first] + $0 }
                    }
                }
                for sizes in compositions(costs.count, groups) {
                    let placements = StageCost.placements(costs, groups: sizes)
                    best = min(best, StageCost.slowestGroup(costs, groups: sizes, placements: placements))
                }
                #expect(abs(split.slowestGroup - best) < 1e-12, "\(groups) groups: \(split) against \(best)")
                #expect(split.groups.reduce(0, +) == costs.count && split.placements.count == split.groups.count - 1)
                #expect(abs(StageCost.slowestGroup(costs, groups: split.groups, placements: split.placements)
                            - split.slowestGroup) < 1e-12)
            }
        }
        // DNI's large synthesizers: learning moves up; cDNI-like costs: the upper group's first
        // synthesizer learns below, which balances 1,3 (2.78 + 0.68 against 3.87 − 0.68).
        let dni = StageCost.split(cases[0], into: 2, movableLearning: true)
        #expect(dni.groups == [2, 2] && dni.placements == [.above])
        let cdni = StageCost.split(cases[1], into: 2, movableLearning: true)
        #expect(cdni.groups == [1, 3] && cdni.placements == [.below])
    }

    @Test func partitionBalancesMeasuredCosts() {
        #expect(StageCost.partition([3, 1, 1, 1], into: 2) == [1, 3])
        #expect(StageCost.partition([1, 1, 1, 1], into: 2) == [2, 2])
        #expect(StageCost.partition([1, 1, 1, 5], into: 2) == [3, 1])
        #expect(StageCost.partition([2, 2, 2], into: 3) == [1, 1, 1])
        #expect(StageCost.partition([2, 2, 2], into: 5) == [1, 1, 1])
        #expect(StageCost.partition([4, 1, 2, 2, 1], into: 3) == [1, 2, 2])
    }
}
