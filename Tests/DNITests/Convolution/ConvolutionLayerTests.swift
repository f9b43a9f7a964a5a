import DNI
import Linalg
import Testing

/// The convolution layers against the naive oracles of ``ConvolutionOracle`` and against
/// central finite differences (``GradientCheck``).
///
/// Tolerances: outputs are sums of ≤ 75 products of N(0, 1) values computed in Float against a
/// Double oracle, so rounding stays below ~1e-5; 1e-4 leaves margin and still catches any wrong
/// index (errors of order 1). Gradient tolerances as in ``LayerGradientTests``.
@Suite struct ConvolutionLayerTests {
    static let tolerance = 2e-3

    /// Geometries covering padding, stride, rectangular kernels and one or several channels.
    static let geometries: [(SpatialShape, SlidingWindow, Int)] = [
        (SpatialShape(height: 5, width: 5, channels: 1), SlidingWindow(size: 3, stride: 1, padding: 1), 2),
        (SpatialShape(height: 6, width: 5, channels: 3), SlidingWindow(size: 5, stride: 2, padding: 2), 4),
        (SpatialShape(height: 4, width: 7, channels: 2), SlidingWindow(height: 2, width: 3, stride: 2, padding: 0), 3),
        (SpatialShape(height: 3, width: 3, channels: 4), SlidingWindow(size: 1), 5),
        // 8 channels, stride 1, square: the input gradient is a convolution of δ (transposedPatches).
        (SpatialShape(height: 4, width: 5, channels: 8), SlidingWindow(size: 3, stride: 1, padding: 1), 3),
    ]

    static func randomInput(_ shape: SpatialShape, batch: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return .randomNormal(rows: batch, columns: shape.size, standardDeviation: 1, using: &generator)
    }

    @Test(arguments: 0..<geometries.count)
    func convolutionMatchesDirectOracle(_ index: Int) {
        let (shape, window, filters) = Self.geometries[index]
        var generator = SeededGenerator(seed: UInt64(10 + index))
        // A patch budget of one float forces one example per chunk; the default takes the whole batch.
        for budget in [1, 1 << 21] {
            let layer = Convolution2D(input: shape, filters: filters, window: window, maximumPatchElements: budget,
                                      generator: &generator)
            layer.bias!.value = .randomNormal(rows: 1, columns: filters, standardDeviation: 1, using: &generator)
            let input = Self.randomInput(shape, batch: 3, seed: UInt64(index))
            let expected = ConvolutionOracle.convolve(input, shape: shape, weight: layer.weight.value,
                                                      bias: layer.bias!.value, window: window)
            let output = layer.forward(input, mode: .inference)
            #expect(output.columns == layer.outputShape.size)
            #expect(ConvolutionOracle.maxDifference(output, expected) < 1e-4, "budget \(budget)")
        }
    }

    @Test(arguments: 0..<geometries.count)
    func convolutionGradient(_ index: Int) {
        let (shape, window, filters) = Self.geometries[index]
        var generator = SeededGenerator(seed: UInt64(20 + index))
        let layer = Convolution2D(input: shape, filters: filters, window: window, maximumPatchElements: 1,
                                  generator: &generator, engine: GEMMEngine(kernel: ReferenceGEMM()))
        layer.bias!.value = .randomNormal(rows: 1, columns: filters, standardDeviation: 1, using: &generator)
        let report = GradientCheck.check(layer, batch: 2)
        #expect(report.maxInputError < Self.tolerance)
        #expect(report.maxParameterError < Self.tolerance)
    }

    /// ReLU's kink: a parameter step of 1e-2 moves many pre-activations at once, and seed 31 put
    /// one within reach of zero (error 0.1 on one weight); seed 32 draws none (checked by the
    /// test passing), and the other functions are smooth.
    @Test(arguments: ActivationFunction.allCases)
    func convolutionWithFusedActivationWithoutBias(_ function: ActivationFunction) {
        var generator = SeededGenerator(seed: 32)
        let layer = Convolution2D(input: SpatialShape(height: 4, width: 4, channels: 2), filters: 3,
                                  window: SlidingWindow(size: 3, padding: 1), bias: false, activation: function,
                                  generator: &generator)
        #expect(layer.parameters.count == 1)
        let report = GradientCheck.check(layer, batch: 2)
        #expect(report.maxInputError < Self.tolerance, "\(function)")
        #expect(report.maxParameterError < Self.tolerance, "\(function)")
    }

    /// Chunking changes the order of the sums, not their terms: the chunked and whole-batch
    /// layers agree on every gradient to rounding.
    @Test func chunkedBackwardEqualsWholeBatch() {
        let shape = SpatialShape(height: 6, width: 6, channels: 3), window = SlidingWindow(size: 3, stride: 1, padding: 1)
        var first = SeededGenerator(seed: 5), second = SeededGenerator(seed: 5)
        let chunked = Convolution2D(input: shape, filters: 4, window: window, maximumPatchElements: 2 * 36 * 27,
                                    generator: &first)
        let whole = Convolution2D(input: shape, filters: 4, window: window, generator: &second)
        let input = Self.randomInput(shape, batch: 5, seed: 6)
        let gradient = Self.randomInput(chunked.outputShape, batch: 5, seed: 7)
        #expect(chunked.forward(input, mode: .training) == whole.forward(input, mode: .training))
        let chunkedInputGradient = chunked.backward(gradient, needsInputGradient: true)
        let wholeInputGradient = whole.backward(gradient, needsInputGradient: true)
        #expect(ConvolutionOracle.maxDifference(chunkedInputGradient, wholeInputGradient) < 1e-5)
        #expect(ConvolutionOracle.maxDifference(chunked.weight.gradient, whole.weight.gradient) < 1e-5)
        #expect(ConvolutionOracle.maxDifference(chunked.bias!.gradient, whole.bias!.gradient) < 1e-6)
    }

    /// The two ways of computing ∂ℓ/∂x — col2im(δ·Wᵀ) and δ convolved with the flipped kernel —
    /// agree for every padding a 3×3 kernel allows, with the second chunked hard.
    @Test(arguments: [0, 1, 2])
    func inputGradientRoutesAgree(_ padding: Int) {
        let shape = SpatialShape(height: 6, width: 5, channels: 3), window = SlidingWindow(size: 3, stride: 1, padding: padding)
        var first = SeededGenerator(seed: 8), second = SeededGenerator(seed: 8)
        let byConvolution = Convolution2D(input: shape, filters: 4, window: window, maximumPatchElements: 100,
                                          inputGradientByConvolution: true, generator: &first)
        let byScatter = Convolution2D(input: shape, filters: 4, window: window, inputGradientByConvolution: false,
                                      generator: &second)
        #expect(byConvolution.transposedPatches != nil && byScatter.transposedPatches == nil)
        let input = Self.randomInput(shape, batch: 3, seed: 9)
        let gradient = Self.randomInput(byScatter.outputShape, batch: 3, seed: 10)
        _ = byConvolution.forward(input, mode: .training)
        _ = byScatter.forward(input, mode: .training)
        let expected = byScatter.backward(gradient, needsInputGradient: true)
        let actual = byConvolution.backward(gradient, needsInputGradient: true)
        #expect(ConvolutionOracle.maxDifference(actual, expected) < 1e-5)
        #expect(ConvolutionOracle.maxDifference(byConvolution.weight.gradient, byScatter.weight.gradient) < 1e-5)
    }

    /// A replica shares the parameters and keeps its own saved state: two batches in flight
    /// through a layer and its replica give what one batch at a time gives.
    @Test func replicasShareParametersAndKeepTheirOwnState() {
        let shape = SpatialShape(height: 5, width: 5, channels: 8)
        var generator = SeededGenerator(seed: 11)
        let convolution = Convolution2D(input: shape, filters: 4, window: SlidingWindow(size: 3, padding: 1),
                                        activation: .relu, generator: &generator)
        let condition = ConditionChannels(input: shape, conditionSize: 2)
        let layers: [any Layer] = [
            convolution, MaxPooling2D(input: shape, window: SlidingWindow(size: 3, stride: 2, padding: 1)),
            AveragePooling2D(input: shape, window: SlidingWindow(size: 2, stride: 2)),
            ChannelBatchNormalization(shape: shape, activation: .relu), condition,
        ]
        let first = Self.randomInput(shape, batch: 3, seed: 12), second = Self.randomInput(shape, batch: 3, seed: 13)
        let labels = Matrix([[1, 0], [0, 1], [1, 0]])
        for layer in layers {
            let replica = layer.makeReplica()
            #expect(replica !== layer)
            #expect(zip(replica.parameters, layer.parameters).allSatisfy { $0 === $1 } && replica.parameters.count == layer.parameters.count)
            condition.condition = labels
            (replica as? ConditionChannels)?.condition = labels
            let gradient = Self.randomInput(SpatialShape(height: 1, width: 1, channels: layer.outputSize), batch: 3, seed: 14)
            // One batch at a time through the layer alone…
            let expectedFirst = layer.forward(first, mode: .probe)
            let expectedFirstGradient = layer.backward(gradient, needsInputGradient: true)
            let expectedSecond = layer.forward(second, mode: .probe)
            let expectedSecondGradient = layer.backward(gradient, needsInputGradient: true)
            // …and both in flight, the second through the replica.
            let outputFirst = layer.forward(first, mode: .probe)
            let outputSecond = replica.forward(second, mode: .probe)
            #expect(outputFirst == expectedFirst && outputSecond == expectedSecond, "\(type(of: layer))")
            #expect(replica.backward(gradient, needsInputGradient: true) == expectedSecondGradient, "\(type(of: layer))")
            #expect(layer.backward(gradient, needsInputGradient: true) == expectedFirstGradient, "\(type(of: layer))")
        }
    }

    /// col2im is the adjoint of im2col: ⟨gather(x), G⟩ = ⟨x, scatter(G)⟩.
    @Test(arguments: 0..<geometries.count)
    func scatterIsTheAdjointOfGather(_ index: Int) {
        let (shape, window, _) = Self.geometries[index]
        let patches = ConvolutionPatches(input: shape, window: window)
        let batch = 2
        let input = Self.randomInput(shape, batch: batch, seed: 40)
        var generator = SeededGenerator(seed: 41)
        let patchGradient = Matrix.randomNormal(rows: batch * patches.rowsPerExample, columns: patches.patchSize,
                                                standardDeviation: 1, using: &generator)
        var gathered = Matrix(rows: batch * patches.rowsPerExample, columns: patches.patchSize)
        var scattered = Matrix(rows: batch, columns: shape.size)
        input.withUnsafeBufferPointer { x in
            gathered.withUnsafeMutableBufferPointer { p in patches.gather(x.baseAddress!, examples: 0..<batch, into: p.baseAddress!) }
        }
        patchGradient.withUnsafeBufferPointer { g in
            scattered.withUnsafeMutableBufferPointer { x in patches.scatterAdd(g.baseAddress!, examples: 0..<batch, into: x.baseAddress!) }
        }
        let left = gathered.dot(patchGradient), right = input.dot(scattered)
        #expect(abs(left - right) < 1e-4 * max(1, abs(left)))
    }

    static let poolingCases: [(SpatialShape, SlidingWindow)] = [
        (SpatialShape(height: 6, width: 6, channels: 2), SlidingWindow(size: 3, stride: 2, padding: 1)),
        (SpatialShape(height: 5, width: 7, channels: 3), SlidingWindow(size: 2, stride: 2)),
        (SpatialShape(height: 4, width: 4, channels: 1), SlidingWindow(height: 3, width: 2, stride: 1, padding: 1)),
        // 11 channels: one 8-wide SIMD block of MaxPooling2D and a scalar tail of 3.
        (SpatialShape(height: 5, width: 5, channels: 11), SlidingWindow(size: 3, stride: 2, padding: 1)),
    ]

    @Test(arguments: 0..<poolingCases.count)
    func maxPoolingMatchesOracle(_ index: Int) {
        let (shape, window) = Self.poolingCases[index]
        let layer = MaxPooling2D(input: shape, window: window)
        let input = Self.randomInput(shape, batch: 3, seed: UInt64(50 + index))
        #expect(layer.forward(input, mode: .inference) == ConvolutionOracle.maxPool(input, shape: shape, window: window))
        // A smaller batch after a larger one reuses a prefix of the winners buffer; every output
        // gradient still lands on one input element.
        let smaller = Self.randomInput(shape, batch: 2, seed: UInt64(55 + index))
        #expect(layer.forward(smaller, mode: .training) == ConvolutionOracle.maxPool(smaller, shape: shape, window: window))
        let ones = Matrix(rows: 2, columns: layer.outputSize, repeating: 1)
        let gradient = layer.backward(ones, needsInputGradient: true)
        #expect(gradient.storage.reduce(0, +) == Float(ones.count))
    }

    @Test(arguments: 0..<poolingCases.count)
    func averagePoolingMatchesOracle(_ index: Int) {
        let (shape, window) = Self.poolingCases[index]
        let layer = AveragePooling2D(input: shape, window: window)
        let input = Self.randomInput(shape, batch: 3, seed: UInt64(60 + index))
        let expected = ConvolutionOracle.averagePool(input, shape: shape, window: window)
        #expect(ConvolutionOracle.maxDifference(layer.forward(input, mode: .inference), expected) < 1e-6)
    }

    /// Max pooling is piecewise linear, so central differences are exact unless a step moves
    /// a window's winner. The input is a shuffle of values 0.05 apart and the step is 1e-2, so
    /// no perturbation can change any order: the check is exact up to rounding.
    @Test(arguments: 0..<poolingCases.count)
    func maxPoolingGradient(_ index: Int) {
        let (shape, window) = Self.poolingCases[index]
        let layer = MaxPooling2D(input: shape, window: window)
        var generator = SeededGenerator(seed: UInt64(90 + index))
        let batch = 2
        var values = (0..<(batch * shape.size)).map { Float($0) * 0.05 - 10 }
        values.shuffle(using: &generator)
        var input = Matrix(rows: batch, columns: shape.size, values: values)
        let weights = Matrix.randomNormal(rows: batch, columns: layer.outputSize, standardDeviation: 1, using: &generator)
        _ = layer.forward(input, mode: .training)
        let gradient = layer.backward(weights, needsInputGradient: true)
        let step: Float = 1e-2
        var maxError = 0.0
        for row in 0..<batch {
            for column in 0..<shape.size {
                let original = input[row, column]
                input[row, column] = original + step
                let plus = layer.forward(input, mode: .inference).dot(weights)
                input[row, column] = original - step
                let minus = layer.forward(input, mode: .inference).dot(weights)
                input[row, column] = original
                let numeric = (plus - minus) / Double(2 * step)
                maxError = max(maxError, abs(numeric - Double(gradient[row, column])) / max(1, abs(numeric)))
            }
        }
        #expect(maxError < Self.tolerance)
    }

    @Test(arguments: 0..<poolingCases.count)
    func averagePoolingGradient(_ index: Int) {
        let (shape, window) = Self.poolingCases[index]
        let report = GradientCheck.check(AveragePooling2D(input: shape, window: window), batch: 2)
        #expect(report.maxInputError < Self.tolerance)
    }

    @Test func channelBatchNormalizationMatchesOracle() {
        let shape = SpatialShape(height: 3, width: 4, channels: 5)
        let layer = ChannelBatchNormalization(shape: shape)
        var generator = SeededGenerator(seed: 70)
        layer.normalization.scale.value = .randomUniform(rows: 1, columns: 5, lower: 0.5, upper: 1.5, using: &generator)
        layer.normalization.shift.value = .randomUniform(rows: 1, columns: 5, lower: -0.5, upper: 0.5, using: &generator)
        let input = Self.randomInput(shape, batch: 3, seed: 71)
        let expected = ConvolutionOracle.channelBatchNormalize(input, shape: shape, scale: layer.normalization.scale.value,
                                                               shift: layer.normalization.shift.value)
        #expect(ConvolutionOracle.maxDifference(layer.forward(input, mode: .training), expected) < 1e-4)
    }

    @Test(arguments: [nil] + ActivationFunction.allCases.map(Optional.some))
    func channelBatchNormalizationGradient(_ function: ActivationFunction?) {
        let shape = SpatialShape(height: 2, width: 3, channels: 3)
        let layer = ChannelBatchNormalization(shape: shape, activation: function)
        var generator = SeededGenerator(seed: 72)
        layer.normalization.scale.value = .randomUniform(rows: 1, columns: 3, lower: 0.5, upper: 1.5, using: &generator)
        layer.normalization.shift.value = .randomUniform(rows: 1, columns: 3, lower: -0.5, upper: 0.5, using: &generator)
        let report = GradientCheck.check(layer, batch: 3, inputScale: 2)
        #expect(report.maxInputError < 5e-3, "\(String(describing: function))")
        #expect(report.maxParameterError < Self.tolerance, "\(String(describing: function))")
    }

    @Test func conditionChannelsAppendsTheLabelToEveryPixel() {
        let shape = SpatialShape(height: 2, width: 3, channels: 2)
        let layer = ConditionChannels(input: shape, conditionSize: 3)
        layer.condition = Matrix([[1, 0, 0], [0, 0, 1]])
        let input = Self.randomInput(shape, batch: 2, seed: 80)
        let output = layer.forward(input, mode: .training)
        #expect(layer.outputShape == SpatialShape(height: 2, width: 3, channels: 5))
        for n in 0..<2 {
            for p in 0..<shape.pixelCount {
                #expect(output[n, p * 5] == input[n, p * 2] && output[n, p * 5 + 1] == input[n, p * 2 + 1])
                #expect((0..<3).map { output[n, p * 5 + 2 + $0] } == layer.condition.row(n))
            }
        }
        var generator = SeededGenerator(seed: 81)
        layer.condition = .randomNormal(rows: 2, columns: 3, standardDeviation: 1, using: &generator)
        let report = GradientCheck.check(layer, batch: 2)
        #expect(report.maxInputError < Self.tolerance)
    }
}
