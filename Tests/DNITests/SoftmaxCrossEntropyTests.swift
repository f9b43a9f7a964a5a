import DNI
import Linalg
import Testing

@Suite struct SoftmaxCrossEntropyTests {
    /// Per-example gradient against central differences of L = (1/B) Σ ℓₙ (so ∂ℓₙ/∂z = B·∂L/∂z).
    /// Tolerance as in LayerGradientTests: Float forward, step 1e-2, smooth function.
    @Test func gradientMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 6)
        let logits = Matrix.randomNormal(rows: 4, columns: 5, standardDeviation: 2, using: &generator)
        let target = oneHotMatrix(labels: [0, 3, 4, 1], classCount: 5)
        let maxError = GradientCheck.lossGradientError(SoftmaxCrossEntropy(), prediction: logits, target: target)
        #expect(maxError < 2e-3, "max error \(maxError)")
    }

    /// Logits of ±1e4 would overflow a naive exp; the stable form gives finite loss and gradient.
    @Test func hugeLogitsStayFinite() {
        let logits = Matrix([[10_000, -10_000, 0], [-10_000, 10_000, 9_999]])
        let target = Matrix([[1, 0, 0], [0, 0, 1]])
        var gradient = Matrix.empty
        let value = SoftmaxCrossEntropy().evaluate(prediction: logits, target: target, gradient: &gradient)
        #expect(value.isFinite && gradient.isFinite)
        // Row 1: log-probability of class 2 is 9999 − 10000 − log(1 + e⁻¹) ≈ −1.3133; row 0 is 0.
        #expect(abs(value - 1.3133 / 2) < 1e-3)
        #expect(abs(gradient[0, 0]) < 1e-6 && abs(gradient[1, 2] + 0.7311) < 1e-3)
    }
}

/// A learning test on the MNIST subset that ships with the package (no download, seconds).
@Suite struct MNISTLearningTests {
    @Test(arguments: [TrainingMethod.backprop, .cdni])
    func smallNetworkLearnsTheBundledSubset(_ method: TrainingMethod) throws {
        let mnist = try MNISTDataset.bundledSubset()
        var experiment = MNISTExperiment(method: method)
        experiment.layers = 2
        experiment.hiddenSize = 64
        experiment.batchSize = 64
        experiment.epochs = 4
        experiment.trainLimit = 4000
        let summary = try experiment.run(on: mnist)
        #expect(summary.test.accuracy > 0.8, "\(method): test accuracy \(summary.test.accuracy)")
    }
}
