import DNI
import Linalg
import Testing

/// The same-norm noise control of recurrent DNI (`--synthetic-gradient-noise`).
@Suite struct SyntheticGradientNoiseControlTests {
    /// A DNI run on Copy small enough for a test.
    static func experiment(noise: Bool) -> RecurrentExperiment {
        var experiment = RecurrentExperiment(task: CopyTaskConfiguration(), method: .dni)
        experiment.hiddenSize = 16
        experiment.batchSize = 4
        experiment.windows = 30
        experiment.learningRate = 3e-3
        experiment.synthesizerLearningRate = 3e-3
        experiment.seed = 3
        experiment.injectsNoise = noise
        return experiment
    }

    /// What the control injects: per stream, the synthetic gradient's norm in another direction;
    /// the same directions for the same window, new ones the next window; zero stays zero.
    @Test func keepsEachRowsNormAndChangesItsDirection() {
        var generator = SeededGenerator(seed: 9)
        let original = Matrix.randomNormal(rows: 5, columns: 64, standardDeviation: 2, using: &generator)
        var control = SyntheticGradientNoiseControl(seed: 4)
        var first = original
        control.redirect(&first)
        #expect(control.windows == 1)
        for row in 0..<original.rows {
            let before = (0..<64).map { original[row, $0] }, after = (0..<64).map { first[row, $0] }
            let norm = { (values: [Float]) in values.reduce(0) { $0 + $1 * $1 }.squareRoot() }
            #expect(abs(norm(after) - norm(before)) < 1e-4 * norm(before))
            let cosine = zip(before, after).reduce(0) { $0 + $1.0 * $1.1 } / (norm(before) * norm(after))
            #expect(abs(cosine) < 0.6, "row \(row): cosine \(cosine)")
        }
        var again = original
        var replay = SyntheticGradientNoiseControl(seed: 4)
        replay.redirect(&again)
        #expect(again == first)
        var second = original
        control.redirect(&second)
        #expect(second != first)
        var zero = Matrix(rows: 2, columns: 3)
        control.redirect(&zero)
        #expect(zero == Matrix(rows: 2, columns: 3))
    }

    /// A run with the control trains, reports it in its summary, differs from DNI's, and gives
    /// the same bits twice; truncated BPTT refuses it.
    @Test func aControlRunIsDNIWithOtherDirections() throws {
        let control = try Self.experiment(noise: true).run(engine: .builtin(threads: 1))
        #expect(control.additionalFields["synthetic_gradient_noise"] == 1)
        #expect(control.trainLoss.isFinite)
        let dni = try Self.experiment(noise: false).run(engine: .builtin(threads: 1))
        #expect(dni.additionalFields["synthetic_gradient_noise"] == nil)
        #expect(dni.parametersSHA256 != control.parametersSHA256)
        #expect(try Self.experiment(noise: true).run(engine: .builtin(threads: 1)).parametersSHA256 == control.parametersSHA256)
        var bptt = Self.experiment(noise: true)
        bptt.method = .backprop
        #expect(throws: InputError.self) { try bptt.validate() }
    }
}
