import DNI
import Linalg
import Testing

/// Every layer's backward pass against central finite differences.
///
/// Tolerance: f is computed in Float (relative rounding ~1e-7 per operation over ≤ 30 terms of
/// size ≤ ~5) and differenced with step 1e-2, so the numeric derivative carries ~1e-4 of rounding
/// noise plus O(step²)·f‴ ≈ 1e-4 of truncation error for these smooth layers. 2e-3 leaves margin
/// while still catching any wrong factor, sign or transpose (those give errors ≥ 0.1).
@Suite struct LayerGradientTests {
    static let tolerance = 2e-3

    @Test func denseWithBias() {
        var generator = SeededGenerator(seed: 1)
        let layer = Dense(inputSize: 5, outputSize: 3, generator: &generator, engine: GEMMEngine(kernel: ReferenceGEMM()))
        let report = GradientCheck.check(layer, batch: 4)
        #expect(report.maxInputError < Self.tolerance)
        #expect(report.maxParameterError < Self.tolerance)
    }

    @Test func denseWithoutBiasOnBlockedKernel() {
        var generator = SeededGenerator(seed: 2)
        let layer = Dense(inputSize: 7, outputSize: 6, bias: false, generator: &generator)
        #expect(layer.parameters.count == 1)
        let report = GradientCheck.check(layer, batch: 3)
        #expect(report.maxInputError < Self.tolerance)
        #expect(report.maxParameterError < Self.tolerance)
    }

    @Test(arguments: ActivationFunction.allCases)
    func denseWithFusedActivation(_ function: ActivationFunction) {
        var generator = SeededGenerator(seed: 7)
        let layer = Dense(inputSize: 5, outputSize: 4, activation: function, generator: &generator)
        let report = GradientCheck.check(layer, batch: 3)
        #expect(report.maxInputError < Self.tolerance, "\(function)")
        #expect(report.maxParameterError < Self.tolerance, "\(function)")
    }

    /// The fused layer computes exactly what Dense followed by Activation computes.
    @Test(arguments: ActivationFunction.allCases)
    func fusedActivationEqualsSeparateLayers(_ function: ActivationFunction) {
        var first = SeededGenerator(seed: 8), second = SeededGenerator(seed: 8)
        let fused = Dense(inputSize: 6, outputSize: 5, activation: function, generator: &first)
        let dense = Dense(inputSize: 6, outputSize: 5, generator: &second)
        let separate = Sequential([dense, Activation(function, size: 5)])
        var generator = SeededGenerator(seed: 9)
        fused.bias!.value = .randomNormal(rows: 1, columns: 5, standardDeviation: 1, using: &generator)
        dense.bias!.value = fused.bias!.value
        let input = Matrix.randomNormal(rows: 4, columns: 6, standardDeviation: 1, using: &generator)
        let gradient = Matrix.randomNormal(rows: 4, columns: 5, standardDeviation: 1, using: &generator)
        #expect(fused.forward(input, mode: .training) == separate.forward(input, mode: .training))
        #expect(fused.backward(gradient, needsInputGradient: true) == separate.backward(gradient, needsInputGradient: true))
        #expect(fused.weight.gradient == dense.weight.gradient && fused.bias!.gradient == dense.bias!.gradient)
    }

    @Test(arguments: ActivationFunction.allCases)
    func activation(_ function: ActivationFunction) {
        // ReLU's kink: inputs are N(0, 1) and the step 1e-2 crosses 0 with probability ~1%
        // per element; seed 3 draws none within 1e-2 of zero (checked by the test passing).
        let report = GradientCheck.check(Activation(function, size: 6), batch: 5)
        #expect(report.maxInputError < Self.tolerance, "\(function)")
    }

    @Test func batchNormalization() {
        let layer = BatchNormalization(size: 4)
        var generator = SeededGenerator(seed: 9)
        layer.scale.value = .randomUniform(rows: 1, columns: 4, lower: 0.5, upper: 1.5, using: &generator)
        layer.shift.value = .randomUniform(rows: 1, columns: 4, lower: -0.5, upper: 0.5, using: &generator)
        let report = GradientCheck.check(layer, batch: 6, inputScale: 2)
        #expect(report.maxInputError < 5e-3)
        #expect(report.maxParameterError < Self.tolerance)
    }

    /// Wider than the AVX2 kernels' register blocks (32 + 8 + a tail of 3 columns), with each
    /// fused activation.
    @Test(arguments: [nil] + ActivationFunction.allCases.map(Optional.some))
    func batchNormalizationWideWithFusedActivation(_ function: ActivationFunction?) {
        let layer = BatchNormalization(size: 43, activation: function)
        var generator = SeededGenerator(seed: 12)
        layer.scale.value = .randomUniform(rows: 1, columns: 43, lower: 0.5, upper: 1.5, using: &generator)
        layer.shift.value = .randomUniform(rows: 1, columns: 43, lower: -0.5, upper: 0.5, using: &generator)
        if function == .relu { Self.moveKinksAwayFromData(layer, batch: 6, seed: 3, inputScale: 2) }
        let report = GradientCheck.check(layer, batch: 6, inputScale: 2)
        #expect(report.maxInputError < 5e-3, "\(String(describing: function))")
        #expect(report.maxParameterError < Self.tolerance, "\(String(describing: function))")
    }

    /// ReLU's kink breaks finite differences when a pre-activation lies within a step of zero.
    /// Sets each column's shift to minus the midpoint of the widest gap between the column's
    /// sorted γ·x̂ values (for GradientCheck's input), so every column has units on both sides
    /// of the kink and none near it.
    static func moveKinksAwayFromData(_ layer: BatchNormalization, batch: Int, seed: UInt64, inputScale: Float) {
        var generator = SeededGenerator(seed: seed)
        let input = Matrix.randomNormal(rows: batch, columns: layer.inputSize, standardDeviation: inputScale, using: &generator)
        let probe = BatchNormalization(size: layer.inputSize)
        probe.scale.value = layer.scale.value
        let scaled = probe.forward(input, mode: .probe)
        for c in 0..<layer.inputSize {
            let values = (0..<batch).map { scaled[$0, c] }.sorted()
            let gaps = (1..<batch).map { (values[$0] - values[$0 - 1], $0) }
            let widest = gaps.max { $0.0 < $1.0 }!.1
            layer.shift.value[0, c] = -(values[widest] + values[widest - 1]) / 2
        }
    }

    /// BatchNorm with a fused activation computes exactly what BatchNorm followed by Activation
    /// computes: outputs, input gradients and parameter gradients, bit for bit.
    @Test(arguments: ActivationFunction.allCases)
    func fusedBatchNormalizationEqualsSeparateLayers(_ function: ActivationFunction) {
        let fused = BatchNormalization(size: 21, activation: function)
        let normalization = BatchNormalization(size: 21)
        let separate = Sequential([normalization, Activation(function, size: 21)])
        var generator = SeededGenerator(seed: 13)
        fused.shift.value = .randomUniform(rows: 1, columns: 21, lower: -0.5, upper: 0.5, using: &generator)
        normalization.shift.value = fused.shift.value
        let input = Matrix.randomNormal(rows: 5, columns: 21, standardDeviation: 1, using: &generator)
        let gradient = Matrix.randomNormal(rows: 5, columns: 21, standardDeviation: 1, using: &generator)
        #expect(fused.forward(input, mode: .training) == separate.forward(input, mode: .training))
        #expect(fused.backward(gradient, needsInputGradient: true) == separate.backward(gradient, needsInputGradient: true))
        #expect(fused.scale.gradient == normalization.scale.gradient)
        #expect(fused.shift.gradient == normalization.shift.gradient)
        #expect(fused.runningMean == normalization.runningMean && fused.runningVariance == normalization.runningVariance)
        #expect(fused.forward(input, mode: .inference) == separate.forward(input, mode: .inference))
    }

    @Test func sequentialStack() {
        var generator = SeededGenerator(seed: 4)
        let stack = Sequential([
            Dense(inputSize: 4, outputSize: 6, generator: &generator),
            Activation(.tanh, size: 6),
            Dense(inputSize: 6, outputSize: 3, generator: &generator),
            Activation(.sigmoid, size: 3),
        ])
        let report = GradientCheck.check(stack, batch: 3)
        #expect(report.maxInputError < Self.tolerance)
        #expect(report.maxParameterError < Self.tolerance)
    }

    @Test func meanSquaredErrorGradient() {
        var generator = SeededGenerator(seed: 5)
        let prediction = Matrix.randomNormal(rows: 3, columns: 4, standardDeviation: 1, using: &generator)
        let target = Matrix.randomNormal(rows: 3, columns: 4, standardDeviation: 1, using: &generator)
        var gradient = Matrix.empty
        let loss = MeanSquaredError()
        let value = loss.evaluate(prediction: prediction, target: target, gradient: &gradient)
        // evaluate sums Float differences, value sums Double ones: equal to Float precision.
        #expect(abs(value - loss.value(prediction: prediction, target: target)) < 1e-6 * max(1, value))
        let maxError = GradientCheck.lossGradientError(loss, prediction: prediction, target: target)
        #expect(maxError < Self.tolerance)
    }
}
