import DNI
import Linalg
import Testing

/// Probes run off the training path and measure what they claim.
@Suite struct RecurrentProbeTests {
    static func setUp() throws -> (RecurrentNetwork, any RecurrentTask) {
        var experiment = RecurrentExperiment(task: CopyTaskConfiguration(), method: .dni)
        experiment.hiddenSize = 12
        experiment.batchSize = 6
        experiment.synthesizerLearningRate = 1e-2
        experiment.seed = 4
        let task = try experiment.task.makeTask(batchSize: 6, truncation: 3, seed: 8)
        return (experiment.makeNetwork(for: task, engine: GEMMEngine(kernel: ReferenceGEMM())), task)
    }

    /// Training with a probe after every window gives the same losses and parameters, bit for
    /// bit, as training without probes: a probe changes neither the network nor the streams.
    @Test func probesDoNotChangeTraining() throws {
        let (plain, plainTask) = try Self.setUp()
        let (probed, probedTask) = try Self.setUp()
        var plainLosses: [Double] = [], probedLosses: [Double] = []
        for window in 1...15 {
            plainLosses.append(plain.trainWindow(on: plainTask).loss)
            probedLosses.append(probed.trainWindow(on: probedTask).loss)
            let record = probed.probe(task: probedTask, windows: 2, window: window)
            #expect(record.meanCellNorm.map { $0 > 0 } == true)
            #expect(record.saturatedForgetFraction.map { (0...1).contains($0) } == true)
            if window > 1, let cosine = record.cosine { #expect((-1...1).contains(cosine)) }
        }
        #expect(plainLosses == probedLosses)
        #expect(plain.trainableParameters.map(\.value) == probed.trainableParameters.map(\.value))
        #expect(plain.state == probed.state)
    }

    /// The probe's true future gradient at the carried state is the gradient of the next
    /// windows' loss: a finite difference along the gradient's own direction agrees with its norm².
    @Test func trueFutureGradientMatchesFiniteDifferences() throws {
        let (network, task) = try Self.setUp()
        for _ in 0..<5 { network.trainWindow(on: task) }
        let record = network.probe(task: task, windows: 2, window: 5)
        #expect(record.trueGradientNorm > 0)
        // L_future(s) for the probe's windows, summed over rows (the per-row convention).
        func futureLoss(_ state: Matrix) -> Double {
            let future = task.copy()
            var inputs = Matrix.empty, logits = Matrix.empty, scratch = Matrix.empty, gradient = Matrix.empty
            var current = state
            future.nextWindow(inputs: &inputs, steps: 6)
            logits = network.predictWindow(inputs: inputs, steps: 6, state: &current, scratch: &scratch)
            return future.loss(logits: logits, gradient: &gradient) * Double(logits.rows)
        }
        // Recover g with the probe's own computation: g = ∂L/∂s, checked along a random direction.
        var generator = SeededGenerator(seed: 21)
        let direction = Matrix.randomNormal(rows: 6, columns: 24, standardDeviation: 1, using: &generator)
        let gradient = network.futureGradient(task: task, windows: 2)
        let step: Float = 1e-2
        var plus = network.state, minus = network.state
        plus.add(direction, scaledBy: step)
        minus.add(direction, scaledBy: -step)
        let numeric = (futureLoss(plus) - futureLoss(minus)) / Double(2 * step)
        let analytic = gradient.dot(direction)
        #expect(abs(numeric - analytic) <= 2e-3 * max(1, abs(numeric)), "numeric \(numeric), analytic \(analytic)")
    }
}
