@testable import DNI
import Linalg
import Testing

/// Synthesizers keyed by batch: several predictions in flight never mix up their targets.
@Suite struct SynthesizerScheduleTests {
    static func synthesizer(hiddenLayers: Int) -> MLPSynthesizer {
        var generator = SeededGenerator(seed: 12)
        return MLPSynthesizer(
            activationSize: 4, conditionSize: 2,
            configuration: SynthesizerConfiguration(hiddenLayers: hiddenLayers, hiddenSize: 6, zeroInitialization: false,
                                                    batchNormalization: hiddenLayers > 0, learningRate: 0.1),
            optimizer: SGD(learningRate: 0.1), generator: &generator)
    }

    static func batch(_ seed: UInt64, columns: Int) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix.randomNormal(rows: 5, columns: columns, standardDeviation: 1, using: &generator)
    }

    /// predict(0), predict(1), learn(0) trains exactly the batch-0 prediction: the same step as
    /// predict(0), learn(0). (The old single-slot synthesizer trained batch 1's prediction here.)
    @Test(arguments: [0, 1])
    func learningTrainsThePredictionOfItsOwnBatch(hiddenLayers: Int) throws {
        let inFlight = Self.synthesizer(hiddenLayers: hiddenLayers)
        let lockstep = Self.synthesizer(hiddenLayers: hiddenLayers)
        inFlight.reserveCapacity(2)
        let h0 = Self.batch(1, columns: 4), h1 = Self.batch(2, columns: 4)
        let c0 = Self.batch(3, columns: 2), c1 = Self.batch(4, columns: 2)
        let target = Self.batch(5, columns: 4)
        let first = try inFlight.predict(batch: 0, activation: h0, condition: c0)
        var firstCopy = Matrix.empty
        firstCopy.assign(first)
        _ = try inFlight.predict(batch: 1, activation: h1, condition: c1)
        let lossInFlight = try inFlight.learn(batch: 0, target: target)
        let lockstepPrediction = try lockstep.predict(batch: 0, activation: h0, condition: c0)
        #expect(lockstepPrediction == firstCopy)
        let lossLockstep = try lockstep.learn(batch: 0, target: target)
        #expect(lossInFlight == lossLockstep)
        #expect(inFlight.parameters.map(\.value) == lockstep.parameters.map(\.value))
        #expect(inFlight.heldBatches == [1])
    }

    @Test func outOfTurnCallsThrow() throws {
        let synthesizer = Self.synthesizer(hiddenLayers: 0)
        let h = Self.batch(1, columns: 4), c = Self.batch(2, columns: 2), target = Self.batch(3, columns: 4)
        #expect(throws: SynthesizerScheduleError.self) { try synthesizer.learn(batch: 0, target: target) }
        _ = try synthesizer.predict(batch: 0, activation: h, condition: c)
        #expect(throws: SynthesizerScheduleError.self) { try synthesizer.predict(batch: 1, activation: h, condition: c) }
        #expect(throws: SynthesizerScheduleError.self) { try synthesizer.learn(batch: 1, target: target) }
        synthesizer.reserveCapacity(2)
        #expect(throws: SynthesizerScheduleError.self) { try synthesizer.predict(batch: 0, activation: h, condition: c) }
        _ = try synthesizer.learn(batch: 0, target: target)
        #expect(synthesizer.heldBatches.isEmpty)
    }

    /// Inspection (probes) neither holds a batch nor disturbs the held ones.
    @Test func inspectionLeavesHeldBatchesAlone() throws {
        let probed = Self.synthesizer(hiddenLayers: 1), plain = Self.synthesizer(hiddenLayers: 1)
        let h = Self.batch(1, columns: 4), c = Self.batch(2, columns: 2), target = Self.batch(3, columns: 4)
        _ = try probed.predict(batch: 0, activation: h, condition: c)
        _ = try plain.predict(batch: 0, activation: h, condition: c)
        _ = probed.inspect(activation: Self.batch(9, columns: 4), condition: c)
        #expect(probed.heldBatches == [0])
        _ = try probed.learn(batch: 0, target: target)
        _ = try plain.learn(batch: 0, target: target)
        #expect(probed.parameters.map(\.value) == plain.parameters.map(\.value))
    }

    @Test func stageRefusesATargetItCannotHold() throws {
        var inbox = TargetInbox()
        inbox.reserveCapacity(1)
        try inbox.store(batch: 3, Self.batch(1, columns: 2))
        #expect(throws: SynthesizerScheduleError.self) { try inbox.store(batch: 4, Self.batch(2, columns: 2)) }
        #expect(inbox.take(batch: 4) { $0 } == nil)
        #expect(inbox.take(batch: 3) { $0 } == Self.batch(1, columns: 2))
    }
}
