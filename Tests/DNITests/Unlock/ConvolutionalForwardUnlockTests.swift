import CMallocCounter
import DNI
import Linalg
import Testing

/// The complete unlock on the paper's CNN (`--network cnn --unlock forward`): convolutional
/// synthetic input models that reach each stage's input map, learn it, and let the CNN train
/// from them.
@Suite struct ConvolutionalForwardUnlockTests {
    /// The 3-stage MNIST CNN: I₁, I₂, I₃ write 14×14×64, 7×7×64 and 4×4×64 maps with 1, 2 and 3
    /// blocks; the stage's input models come from the configuration's seed, each its own stream.
    @Test func inputModelsReachEveryStageInput() throws {
        let experiment = MNISTExperiment(method: .cdni, network: .cnn)
        let executor = try ForwardUnlockedExecutor(configuration: experiment.networkConfiguration, loss: SoftmaxCrossEntropy(),
                                                   inputModel: SyntheticInputConfiguration(), engine: .builtin(threads: 1))
        #expect(executor.inputModels.map(\.outputSize) == [14 * 14 * 64, 7 * 7 * 64, 4 * 4 * 64])
        #expect(executor.inputModels.map(\.inputSize) == [784, 784, 784])
        // Blocks of (convolution, batch norm + ReLU, pooling), then the 1×1 output convolution.
        #expect(executor.inputModels.map(\.network.layers.count) == [4, 7, 10])
        let first = try #require(executor.inputModels[0].network.layers.first as? Convolution2D)
        #expect(first.filters == 32 && first.window == SlidingWindow(size: 5, padding: 2))
        let last = try #require(executor.inputModels[2].network.layers.last as? Convolution2D)
        #expect(last.window == SlidingWindow(size: 1) && last.bias != nil && last.outputShape == SpatialShape(height: 4, width: 4, channels: 64))
        #expect(executor.inputModels[0].network.parameters[0].value != executor.inputModels[1].network.parameters[0].value)
        // A map the blocks cannot reach is bad input, not a trap.
        var generator = SeededGenerator(seed: 1)
        #expect(throws: InputError.self) {
            try SyntheticInputModel(input: SpatialShape(height: 28, width: 28, channels: 1),
                                    output: SpatialShape(height: 7, width: 7, channels: 64), stage: 1,
                                    configuration: SyntheticInputConfiguration(), generator: &generator)
        }
    }

    /// A small convolutional input model: every gradient of its layers against central
    /// differences (through batch norm, max pooling and the 1×1 output convolution).
    @Test func convolutionalInputModelGradients() throws {
        var generator = SeededGenerator(seed: 5)
        let configuration = ConvolutionalSyntheticInputConfiguration(filters: 3, window: SlidingWindow(size: 3, padding: 1),
                                                                     pooling: SlidingWindow(size: 2, stride: 2))
        let layers = try #require(configuration.layers(input: SpatialShape(height: 6, width: 6, channels: 1),
                                                       output: SpatialShape(height: 3, width: 3, channels: 2), blocks: 1,
                                                       generator: &generator, engine: .builtin(threads: 1)))
        let report = GradientCheck.check(layers, batch: 3, step: 2e-3)
        #expect(report.maxInputError < 1e-2 && report.maxParameterError < 1e-2, "\(report)")
    }

    /// Fed a fixed batch, a two-block model learns a fixed non-negative map: L_I falls and the
    /// probe says it points the target's way.
    @Test func convolutionalInputModelLearnsItsTarget() throws {
        var generator = SeededGenerator(seed: 6)
        let configuration = SyntheticInputConfiguration(
            learningRate: 1e-2, convolutional: ConvolutionalSyntheticInputConfiguration(filters: 4, window: SlidingWindow(size: 3, padding: 1)))
        let model = try SyntheticInputModel(input: SpatialShape(height: 8, width: 8, channels: 1),
                                            output: SpatialShape(height: 2, width: 2, channels: 3), stage: 2,
                                            configuration: configuration, generator: &generator, engine: .builtin(threads: 1))
        let input = Matrix.randomNormal(rows: 8, columns: 64, standardDeviation: 1, using: &generator)
        let target = Matrix.randomUniform(rows: 8, columns: 12, lower: 0, upper: 1, using: &generator)
        var losses: [Double] = []
        for _ in 0..<150 {
            _ = model.predict(input)
            losses.append(model.learn(target: target))
        }
        #expect(losses.last! < 0.1 * losses.first!, "\(losses.first!) → \(losses.last!)")
        _ = model.predict(input)
        let probe = InputProbe(stage: 2, synthetic: model.predict(input), real: target)
        #expect(probe.cosine > 0.9, "\(probe)")
    }

    /// A warmed-up training step through an input model's layers allocates nothing.
    @Test(.enabled(if: dni_test_thread_allocation_count() >= 0, "malloc counting needs glibc"))
    func inputModelAllocatesNothingWhenWarm() throws {
        var generator = SeededGenerator(seed: 7)
        let layers = try #require(ConvolutionalSyntheticInputConfiguration(filters: 4).layers(
            input: SpatialShape(height: 28, width: 28, channels: 1), output: SpatialShape(height: 7, width: 7, channels: 8),
            blocks: 2, generator: &generator, engine: .builtin(threads: 1)))
        #expect(ConvolutionAllocationTests.warmStepAllocations(layers, batch: 3) == 0)
    }

    /// A small MNIST CNN (2 stages of 6 filters) by `method` with the complete unlock, 2 epochs of
    /// 320 bundled images (40 steps of 16).
    static func smallExperiment(_ method: TrainingMethod) -> MNISTExperiment {
        var experiment = ConvolutionalTrainingTests.smallMNIST(method)
        experiment.batchSize = 16
        experiment.epochs = 2
        experiment.trainLimit = 320
        experiment.learningRateDecayEpochs = []
        experiment.unlock = .forward
        return experiment
    }

    /// The first 320 bundled training images and the first 200 test images.
    static func smallDataset(_ experiment: MNISTExperiment) throws -> Dataset {
        let data = try experiment.dataset(from: MNISTDataset.bundledSubset())
        var testInputs = Matrix.empty, testTargets = Matrix.empty
        testInputs.gatherRows(0..<200, of: data.testInputs)
        testTargets.gatherRows(0..<200, of: data.testTargets)
        return Dataset(name: data.name, kind: data.kind, trainInputs: data.trainInputs, trainTargets: data.trainTargets,
                       testInputs: testInputs, testTargets: testTargets)
    }

    /// cDNI on the CNN with the complete unlock and the default input models: the loss falls,
    /// the synthetic inputs point the way of the real ones (mean cosine over the last epoch above
    /// 0.65; 0.75 and 0.87 here), the real chain scores above chance on 200 test images, and a
    /// second run gives the same bits. (DNI: ``probeInputsOnTheCNN()``.)
    @Test func cnnTrainsFromSyntheticInputs() throws {
        let method = TrainingMethod.cdni
        let experiment = Self.smallExperiment(method)
        let data = try Self.smallDataset(experiment)
        func run() throws -> UnlockedRun {
            try UnlockedRun {
                try experiment.run(on: data, imageShape: MNISTExperiment.imageShape,
                                   execution: ExecutionSettings(threads: 1), onEvent: $0)
            }
        }
        let first = try run()
        let (summary, epochs) = (first.summary, first.epochs)
        #expect(summary.execution == "sequential-unlocked")
        #expect(epochs.count == 2)
        #expect(epochs.last!.trainLoss < 0.8 * epochs.first!.trainLoss, "\(epochs.map(\.trainLoss))")
        for stage in 1...2 {
            let (cosine, relativeError) = try first.inputProbe(stage: stage)
            #expect(cosine > 0.65 && relativeError < 0.85, "\(method) stage \(stage): \(cosine), \(relativeError)")
        }
        #expect(summary.test.accuracy > 0.15, "\(summary.test)")
        let again = try run()
        #expect(again.repeats(first))
        // The probes repeat; the time shares are measured times.
        let probes = { (summary: TrainingSummary) in summary.executorStatistics.filter { !$0.name.hasSuffix("time_share") } }
        #expect(probes(again.summary) == probes(summary) && probes(summary).count == 4)
    }

    /// DNI on the CNN with the complete unlock, and the inference-mode probe: after 30 steps
    /// every synthetic input is closer to the real map than at the start, and the loss fell.
    @Test func probeInputsOnTheCNN() throws {
        let experiment = Self.smallExperiment(.dni)
        let executor = try ForwardUnlockedExecutor(configuration: experiment.networkConfiguration, loss: SoftmaxCrossEntropy(),
                                                   inputModel: experiment.inputModel, engine: .builtin(threads: 1))
        let mnist = try MNISTDataset.bundledSubset()
        var test = Matrix.empty
        test.gatherRows(0..<64, of: mnist.test.images)
        let before = executor.probeInputs(test)
        let result = try executor.train(TrainingSegment(inputs: mnist.training.images, targets: mnist.training.oneHotLabels(),
                                                        order: Array(0..<480), batchSize: 16, firstStep: 0, count: 30, firstBatch: 0))
        let after = executor.probeInputs(test)
        let losses = result.losses
        #expect(losses.count == 30 && losses.suffix(10).reduce(0, +) < 0.9 * losses.prefix(10).reduce(0, +), "\(losses)")
        #expect(after.map(\.stage) == [1, 2])
        for (old, new) in zip(before, after) {
            #expect(new.relativeError < old.relativeError, "\(old) → \(new)")
        }
        #expect(executor.statistics.map(\.name) == ["input_cosine_stage_1", "input_relative_error_stage_1",
                                                    "input_cosine_stage_2", "input_relative_error_stage_2",
                                                    "input_model_time_share", "real_chain_time_share"])
        let shares = executor.statistics.suffix(2).map(\.value)
        #expect(shares.allSatisfy { $0 > 0 && $0 < 1 } && shares.reduce(0, +) < 1, "\(shares)")
    }

    /// What the complete unlock still refuses on the CNN: MPI execution, delay ≥ 2.
    @Test func refusedCombinationsOnTheCNN() throws {
        var experiment = Self.smallExperiment(.cdni)
        experiment.epochs = 1
        let data = try Self.smallDataset(experiment)
        for settings in [ExecutionSettings(kind: .mpi), ExecutionSettings(delay: 2)] {
            #expect(throws: InputError.self) {
                try experiment.run(on: data, imageShape: MNISTExperiment.imageShape, execution: settings)
            }
        }
        var backprop = experiment
        backprop.method = .backprop
        #expect(throws: InputError.self) { try backprop.validate() }
    }
}
