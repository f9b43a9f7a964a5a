@testable import DNI
import Linalg
import Testing

/// The divergence guard: a bad loss, synthesizer loss or weight stops the run naming epoch,
/// step, stage and quantity; healthy numbers pass; the first epoch's loss reaches the summary.
@Suite struct DivergenceGuardTests {
    static func network(method: TrainingMethod = .dni) -> Network {
        Network(configuration: NetworkConfiguration(inputSize: 4, hiddenSizes: [5, 3], outputSize: 2,
                                                    method: method, seed: 3),
                loss: MeanSquaredError())
    }

    static let input = Matrix(rows: 2, columns: 4, values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])

    static func summary(trainLoss: Double) -> TrainingSummary {
        TrainingSummary(task: "addition", method: .dni, execution: "sequential", delay: 1, stageGroups: [3],
                        microBatches: 1, epochs: 3, seed: 1,
                        trainLoss: trainLoss, test: Evaluation(loss: 1, accuracy: 0.5), seconds: 1, samplesPerSecond: 1)
    }

    /// The failure `body` throws, or nil.
    static func failure(_ body: () throws -> Void) -> TrainingFailure? {
        do { try body() } catch let failure as TrainingFailure { return failure } catch { return nil }
        return nil
    }

    @Test func healthyStepsPass() throws {
        var divergenceGuard = DivergenceGuard(network: Self.network(), weightCheckInterval: 1)
        for step in 1...5 {
            try divergenceGuard.check(StepResult(loss: 0.5, synthesizerLoss: 0.01), epoch: 1, step: step, batch: { Self.input })
        }
        _ = try divergenceGuard.finish(Self.summary(trainLoss: 0.4))
    }

    @Test(arguments: [Double.nan, .infinity, 1e20])
    func aBadLossNamesEpochStepAndQuantity(_ loss: Double) {
        var divergenceGuard = DivergenceGuard(network: Self.network())
        let failure = Self.failure {
            try divergenceGuard.check(StepResult(loss: 1, synthesizerLoss: 0), epoch: 2, step: 1, batch: { Self.input })
            try divergenceGuard.check(StepResult(loss: loss, synthesizerLoss: 0), epoch: 2, step: 7, batch: { Self.input })
        }
        #expect(failure?.description.hasPrefix("training diverged at epoch 2, step 7: ") == true, "\(String(describing: failure))")
        #expect(failure?.description.contains("the loss is") == true)
    }

    @Test func aBadSyntheticGradientIsNamed() {
        var divergenceGuard = DivergenceGuard(network: Self.network())
        let failure = Self.failure {
            try divergenceGuard.check(StepResult(loss: 1, synthesizerLoss: .nan), epoch: 1, step: 3, batch: { Self.input })
        }
        #expect(failure?.description.contains("epoch 1, step 3: the synthetic gradients are off") == true, "\(String(describing: failure))")
    }

    @Test func aBadWeightNamesItsStageAndParameter() throws {
        let network = Self.network()
        network.stages[1].parameters[0].value[0, 0] = .nan
        var divergenceGuard = DivergenceGuard(network: network, weightCheckInterval: 2)
        // The weights are checked every second step: the first step passes.
        try divergenceGuard.check(StepResult(loss: 1, synthesizerLoss: 0), epoch: 1, step: 1, batch: { Self.input })
        let failure = Self.failure {
            try divergenceGuard.check(StepResult(loss: 1, synthesizerLoss: 0), epoch: 1, step: 2, batch: { Self.input })
        }
        #expect(failure?.description == #"training diverged at epoch 1, step 2: stage 2 of 3: parameter "weight" is not finite (lower the learning rate)"#)
    }

    @Test func hugeSynthesizerWeightsAreNamed() throws {
        let network = Self.network()
        let weight = network.stages[0].synthesizer!.parameters[0]
        for row in 0..<weight.value.rows { for column in 0..<weight.value.columns { weight.value[row, column] = 1e6 } }
        let divergenceGuard = DivergenceGuard(network: network)
        let failure = Self.failure { _ = try divergenceGuard.finish(Self.summary(trainLoss: 1)) }
        #expect(failure?.description == #"training diverged by the end of epoch 3: stage 1 of 3: synthesizer parameter "weight" reaches 1e6 in magnitude, above 1e5 (lower the learning rate)"#)
    }

    @Test func aRunThatEndsWorseThanItsFirstEpochSaysSo() throws {
        var divergenceGuard = DivergenceGuard(network: Self.network())
        for (epoch, loss) in [(1, 0.5), (1, 0.7), (2, 0.9)] {
            try divergenceGuard.check(StepResult(loss: loss, synthesizerLoss: 0), epoch: epoch, step: 1, batch: { Self.input })
        }
        let rose = try divergenceGuard.finish(Self.summary(trainLoss: 0.9))
        #expect(rose.firstEpochTrainLoss == 0.6)
        #expect(rose.trainLossRose)
        #expect(rose.trainLossWarning == "dni: the final training loss 0.9 is higher than the first epoch's 0.6; the run did not learn (try a lower learning rate)")
        #expect(rose.jsonLine.description.hasSuffix(#""first_epoch_train_loss":0.6,"train_loss_rose":true}"#))
        let fell = try divergenceGuard.finish(Self.summary(trainLoss: 0.3))
        #expect(!fell.trainLossRose)
        #expect(fell.trainLossWarning == nil)
        #expect(fell.jsonLine.description.hasSuffix(#""train_loss_rose":false}"#))
    }

    /// The vectorised max |w| against a plain loop, for every length around the 8-lane blocks,
    /// with NaN and infinity in the blocks and in the tail.
    @Test func largestMagnitudeMatchesAPlainLoop() {
        var generator = SeededGenerator(seed: 11)
        for count in 1...27 {
            var values = (0..<count).map { _ in Float(generator.nextUnitDouble() * 200 - 100) }
            let matrix = Matrix(rows: 1, columns: count, values: values)
            #expect(DivergenceGuard.largestMagnitude(matrix) == values.map(\.magnitude).max()!, "\(count)")
            for position in [0, count / 2, count - 1] {
                values[position] = -.infinity
                #expect(DivergenceGuard.largestMagnitude(Matrix(rows: 1, columns: count, values: values)) == .infinity)
                values[position] = .nan
                #expect(DivergenceGuard.largestMagnitude(Matrix(rows: 1, columns: count, values: values)).isNaN)
                values[position] = 0
            }
        }
    }
}
