import DNI
import Linalg
import Testing

/// The complete unlock (`--unlock forward`): synthetic input models Iᵢ(x) that learn the real
/// stage inputs, a network that trains from them, and a test time that uses the real chain.
@Suite struct ForwardUnlockTests {
    /// A model fed with a fixed batch learns to reproduce a fixed target: L_I falls.
    @Test func anInputModelLearnsItsTarget() {
        var generator = SeededGenerator(seed: 4)
        let model = SyntheticInputModel(inputSize: 6, outputSize: 5,
                                        configuration: SyntheticInputConfiguration(hiddenLayers: 1, hiddenSize: 16, learningRate: 1e-2),
                                        generator: &generator, engine: .builtin(threads: 1))
        let input = Matrix.randomNormal(rows: 8, columns: 6, standardDeviation: 1, using: &generator)
        let target = Matrix.randomUniform(rows: 8, columns: 5, lower: 0, upper: 1, using: &generator)
        var losses: [Double] = []
        for _ in 0..<200 {
            _ = model.predict(input)
            losses.append(model.learn(target: target))
        }
        #expect(losses.last! < 0.05 * losses.first!, "\(losses.first!) → \(losses.last!)")
        let probe = InputProbe(stage: 1, synthetic: model.inspect(input), real: target)
        #expect(probe.cosine > 0.95 && probe.relativeError < 0.3, "\(probe)")
    }

    @Test func inputProbeMeasuresCosineAndRelativeError() {
        let real = Matrix(rows: 1, columns: 2, values: [3, 4])
        let same = InputProbe(stage: 1, synthetic: real, real: real)
        #expect(same.cosine == 1 && same.relativeError == 0)
        let other = InputProbe(stage: 2, synthetic: Matrix(rows: 1, columns: 2, values: [3, 0]), real: real)
        #expect(abs(other.cosine - 0.6) < 1e-12 && abs(other.relativeError - 0.8) < 1e-12)
    }

    /// A 3-layer MNIST network of 64 units per layer by cDNI with the complete unlock, 3 epochs of
    /// 1,000 bundled images (60 steps): the loss falls, the synthetic inputs point the way of the
    /// real ones (mean cosine over the last epoch above 0.7; 0.80–0.86 here), the real chain
    /// scores well above chance on the test images (33.9% here; plain cDNI with the same flags:
    /// 55.9%), and a second run gives the same bits.
    @Test func cdniTrainsFromSyntheticInputs() throws {
        var experiment = MNISTExperiment(method: .cdni)
        experiment.hiddenSize = 64
        experiment.batchSize = 50
        experiment.epochs = 3
        experiment.trainLimit = 1000
        experiment.learningRateDecayEpochs = []
        experiment.unlock = .forward
        let mnist = try MNISTDataset.bundledSubset()
        func run() throws -> UnlockedRun {
            try UnlockedRun { try experiment.run(on: mnist, execution: ExecutionSettings(threads: 1), onEvent: $0) }
        }
        let first = try run()
        let (summary, epochs) = (first.summary, first.epochs)
        #expect(summary.execution == "sequential-unlocked")
        #expect(epochs.count == 3)
        #expect(epochs.last!.trainLoss < 0.85 * epochs.first!.trainLoss, "\(epochs.map(\.trainLoss))")
        for stage in 1...3 {
            let (cosine, relativeError) = try first.inputProbe(stage: stage)
            #expect(cosine > 0.7 && relativeError < 0.8, "stage \(stage): \(cosine), \(relativeError)")
        }
        #expect(summary.test.accuracy > 0.25, "\(summary.test)")
        #expect(try run().repeats(first))
    }

    /// The probe in inference mode: after 40 steps every synthetic input is closer to the real one
    /// than at the start and points its way (cosine 0.65 and 0.56 here).
    @Test func probeInputsAfterTraining() throws {
        var experiment = MNISTExperiment(method: .dni)
        experiment.hiddenSize = 32
        experiment.layers = 2
        let configuration = experiment.networkConfiguration
        let executor = try ForwardUnlockedExecutor(configuration: configuration, loss: SoftmaxCrossEntropy(),
                                                   inputModel: SyntheticInputConfiguration(hiddenLayers: 1, hiddenSize: 64),
                                                   engine: .builtin(threads: 1))
        let mnist = try MNISTDataset.bundledSubset()
        let order = Array(0..<800)
        let before = executor.probeInputs(mnist.test.images)
        _ = try executor.train(TrainingSegment(inputs: mnist.training.images, targets: mnist.training.oneHotLabels(), order: order,
                                               batchSize: 20, firstStep: 0, count: 40, firstBatch: 0))
        let after = executor.probeInputs(mnist.test.images)
        #expect(after.count == 2 && after.map(\.stage) == [1, 2])
        for (old, new) in zip(before, after) {
            #expect(new.relativeError < old.relativeError, "\(old) → \(new)")
            #expect(new.cosine > 0.4, "\(new)")
        }
        #expect(executor.lastProbes.count == 2)
        #expect(executor.statistics.count == 6)
    }

    @Test func badCombinationsAreBadInput() throws {
        let mnist = try MNISTDataset.bundledSubset()
        for (method, network) in [(TrainingMethod.backprop, MNISTNetwork.fc), (.backprop, .cnn)] {
            var experiment = MNISTExperiment(method: method, network: network)
            experiment.unlock = .forward
            #expect(throws: InputError.self) { try experiment.validate() }
        }
        var experiment = MNISTExperiment(method: .dni)
        experiment.unlock = .forward
        experiment.epochs = 1
        #expect(throws: InputError.self) {
            try experiment.run(on: mnist, execution: ExecutionSettings(delay: 2))
        }
    }
}
