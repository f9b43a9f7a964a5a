import DNI
import Linalg
import Testing

/// Learning tests at a small size with fixed seeds (seconds, not minutes).
@Suite struct TrainingTests {
    /// 4-bit addition: 8 inputs → 32 → 16 → 4, all 64 operand pairs, so "exact" is exact.
    static func experiment(_ method: TrainingMethod) -> AdditionExperiment {
        var experiment = AdditionExperiment(method: method)
        experiment.bits = 4
        experiment.trainCount = 512
        experiment.testCount = 64
        experiment.hiddenSizes = [32, 16]
        experiment.batchSize = 16
        experiment.epochs = 80
        experiment.optimizer = .momentum
        experiment.learningRate = 0.5
        experiment.synthesizer.learningRate = 0.05
        experiment.seed = 7
        return experiment
    }

    @Test func backpropLearnsSmallAddition() throws {
        let summary = try Self.experiment(.backprop).run()
        #expect(summary.test.accuracy > 0.99, "bit accuracy \(summary.test.accuracy)")
        #expect(summary.test.exactAccuracy! > 0.95, "exact \(summary.test.exactAccuracy!)")
    }

    @Test func cdniLearnsSmallAddition() throws {
        let summary = try Self.experiment(.cdni).run()
        #expect(summary.test.accuracy > 0.98, "bit accuracy \(summary.test.accuracy)")
        #expect(summary.test.exactAccuracy! > 0.9, "exact \(summary.test.exactAccuracy!)")
    }

    @Test func dniLossFalls() throws {
        var losses: [Double] = []
        _ = try Self.experiment(.dni).run { event in
            if case .epoch(let record) = event { losses.append(record.trainLoss) }
        }
        #expect(losses.last! < losses.first!, "train loss \(losses.first!) → \(losses.last!)")
    }

    @Test(arguments: [TrainingMethod.fa, .dfa])
    func randomFeedbackLossFalls(_ method: TrainingMethod) throws {
        var losses: [Double] = []
        _ = try Self.experiment(method).run { event in
            if case .epoch(let record) = event { losses.append(record.trainLoss) }
        }
        #expect(losses.last! < 0.8 * losses.first!, "\(method) train loss \(losses.first!) → \(losses.last!)")
    }

    /// Proves the sign of the update: plain SGD on one fixed batch must lower the loss.
    /// (One printed copy of the post *adds* the update; that would make this loss rise.)
    @Test(arguments: TrainingMethod.allCases)
    func oneStepOfDescentLowersTheLoss(_ method: TrainingMethod) {
        var generator = SeededGenerator(seed: 2)
        let input = Matrix.randomNormal(rows: 16, columns: 6, standardDeviation: 1, using: &generator)
        let target = Matrix.randomUniform(rows: 16, columns: 2, lower: 0, upper: 1, using: &generator)
        let configuration = NetworkConfiguration(inputSize: 6, hiddenSizes: [8], outputSize: 2,
                                                 method: method, learningRate: 0.5,
                                                 synthesizer: SynthesizerConfiguration(learningRate: 0.1), seed: 3)
        let network = Network(configuration: configuration, loss: MeanSquaredError())
        let first = network.trainStep(input: input, target: target).loss
        var last = first
        for _ in 0..<20 { last = network.trainStep(input: input, target: target).loss }
        #expect(last < first, "\(method): loss \(first) → \(last)")
    }

    @Test func synthesizerRegressionLossFalls() throws {
        var generator = SeededGenerator(seed: 8)
        let synthesizer = MLPSynthesizer(activationSize: 5, configuration: SynthesizerConfiguration(learningRate: 0.2),
                                         optimizer: SGD(learningRate: 0.2), generator: &generator)
        let activation = Matrix.randomNormal(rows: 32, columns: 5, standardDeviation: 1, using: &generator)
        let mapping = Matrix.randomNormal(rows: 5, columns: 5, standardDeviation: 0.5, using: &generator)
        let target = GEMMEngine.default.product(activation, mapping)
        var losses: [Double] = []
        for batch in 0..<100 {
            _ = try synthesizer.predict(batch: batch, activation: activation, condition: nil)
            losses.append(try synthesizer.learn(batch: batch, target: target))
        }
        #expect(losses[0] > 0)
        #expect(losses[99] < 0.01 * losses[0], "synthesizer loss \(losses[0]) → \(losses[99])")
    }

    @Test func zeroInitialisedSynthesizerStartsWithNoGradient() {
        var generator = SeededGenerator(seed: 8)
        let synthesizer = MLPSynthesizer(activationSize: 4, conditionSize: 2,
                                         configuration: SynthesizerConfiguration(hiddenLayers: 1, hiddenSize: 8),
                                         optimizer: SGD(learningRate: 0.1), generator: &generator)
        let activation = Matrix.randomNormal(rows: 3, columns: 4, standardDeviation: 1, using: &generator)
        let condition = Matrix(rows: 3, columns: 2, repeating: 1)
        let prediction = synthesizer.inspect(activation: activation, condition: condition)
        #expect(prediction == Matrix(rows: 3, columns: 4))
    }

    @Test func probesDoNotChangeTraining() throws {
        var plain = Self.experiment(.cdni)
        plain.epochs = 3
        let dataset = try BinaryAddition.dataset(bits: plain.bits, trainCount: plain.trainCount, testCount: plain.testCount, seed: 1)
        func train(probeEvery: Int?) throws -> (Network, Int) {
            let network = Network(configuration: plain.networkConfiguration, loss: MeanSquaredError())
            var probes = 0
            _ = try Trainer(network: network, dataset: dataset,
                            options: TrainingOptions(epochs: plain.epochs, batchSize: plain.batchSize, probeEvery: probeEvery))
                .run { event in if case .probe = event { probes += 1 } }
            return (network, probes)
        }
        let (withoutProbes, none) = try train(probeEvery: nil)
        let (withProbes, some) = try train(probeEvery: 5)
        #expect(none == 0 && some > 0)
        #expect(withoutProbes.allParameters.map(\.value) == withProbes.allParameters.map(\.value))
    }

    @Test func sameSeedSameRun() throws {
        var experiment = Self.experiment(.dni)
        experiment.epochs = 2
        let first = try experiment.run()
        let second = try experiment.run()
        #expect(first.trainLoss == second.trainLoss && first.test == second.test)
    }

    @Test func divergenceIsReportedAsTrainingFailure() throws {
        // ReLU hidden layers and a linear output have nothing to saturate: a huge step overflows.
        let dataset = try BinaryAddition.dataset(bits: 4, trainCount: 64, testCount: 16, seed: 1)
        let configuration = NetworkConfiguration(inputSize: 8, hiddenSizes: [16], outputSize: 4,
                                                 hiddenActivation: .relu, outputActivation: nil,
                                                 learningRate: 1e6, seed: 1)
        let network = Network(configuration: configuration, loss: MeanSquaredError())
        let trainer = try Trainer(network: network, dataset: dataset, options: TrainingOptions(epochs: 5, batchSize: 8))
        do {
            _ = try trainer.run()
            Issue.record("training with learning rate 1e6 should diverge")
        } catch let failure as TrainingFailure {
            #expect(failure.description.contains("diverged at epoch"))
            #expect(failure.description.contains("stage"))
        }
    }
}

@Suite struct ThroughputOptionTests {
    @Test func maxStepsStopsEarlyAndCountsOnlyTimedExamples() throws {
        var experiment = TrainingTests.experiment(.backprop)
        experiment.epochs = 5
        var steps = 0
        let summary = try experiment.run(maxSteps: 7, warmupSteps: 2) { event in
            if case .step = event { steps += 1 }
        }
        #expect(steps == 7)
        #expect(summary.epochs == 1)
        #expect(summary.samplesPerSecond > 0)
    }
}
