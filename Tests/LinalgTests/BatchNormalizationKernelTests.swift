import Linalg
import Testing

/// The batch-norm kernels: the AVX2 paths (32- and 8-column register blocks, then a portable
/// tail of columns) against a plain Double reference computed here, on widths that exercise
/// every path, with and without the fused ReLU.
@Suite struct BatchNormalizationKernelTests {
    static let instructionSets = GEMMInstructionSet.allCases.filter(\.isSupported)
    /// Widths: tail only, one 8-block, 8-blocks plus tail, a 32-block, 32 + 8 + tail.
    static let widths = [5, 8, 13, 32, 45]

    @Test(arguments: instructionSets, widths)
    func statistics(_ instructionSet: GEMMInstructionSet, columns: Int) {
        var generator = SeededGenerator(seed: UInt64(columns))
        let x = Matrix.randomNormal(rows: 7, columns: columns, standardDeviation: 2, using: &generator)
        var mean = [Float](repeating: .nan, count: columns), squares = mean
        x.batchStatistics(mean: &mean, squaredDeviations: &squares, instructionSet: instructionSet)
        for c in 0..<columns {
            let values = (0..<7).map { Double(x[$0, c]) }
            let expectedMean = values.reduce(0, +) / 7
            let expectedSquares = values.map { ($0 - expectedMean) * ($0 - expectedMean) }.reduce(0, +)
            #expect(abs(Double(mean[c]) - expectedMean) < 1e-5, "column \(c)")
            #expect(abs(Double(squares[c]) - expectedSquares) < 1e-4 * max(1, expectedSquares), "column \(c)")
        }
    }

    @Test(arguments: instructionSets, [false, true])
    func normalizeAndBackward(_ instructionSet: GEMMInstructionSet, rectify: Bool) {
        let rows = 6, columns = 45
        var generator = SeededGenerator(seed: rectify ? 3 : 4)
        let x = Matrix.randomNormal(rows: rows, columns: columns, standardDeviation: 1, using: &generator)
        let g = Matrix.randomNormal(rows: rows, columns: columns, standardDeviation: 1, using: &generator)
        func vector(_ lower: Float, _ upper: Float) -> [Float] {
            Matrix.randomUniform(rows: 1, columns: columns, lower: lower, upper: upper, using: &generator).storage
        }
        let mean = vector(-0.5, 0.5), inverse = vector(0.5, 2), gamma = vector(0.5, 1.5), beta = vector(-0.5, 0.5)
        let scale = vector(-1, 1), shift = vector(-1, 1), slope = vector(-1, 1)
        var normalized = Matrix.empty, output = Matrix.empty
        x.batchNormalize(mean: mean, inverseDeviation: inverse,
                         scale: Matrix(rows: 1, columns: columns, values: gamma),
                         shift: Matrix(rows: 1, columns: columns, values: beta),
                         rectify: rectify, normalized: &normalized, into: &output, instructionSet: instructionSet)
        var sum = [Float](repeating: .nan, count: columns), dot = sum
        let mask: Matrix? = rectify ? output : nil
        g.batchNormalizationSums(normalized: normalized, rectifiedOutput: mask, sum: &sum, dot: &dot,
                                 instructionSet: instructionSet)
        var dx = Matrix.empty
        g.batchNormalizationInputGradient(normalized: normalized, rectifiedOutput: mask, scale: scale, shift: shift,
                                          slope: slope, into: &dx, instructionSet: instructionSet)
        var expectedSum = [Double](repeating: 0, count: columns), expectedDot = expectedSum
        for r in 0..<rows {
            for c in 0..<columns {
                let hat = (Double(x[r, c]) - Double(mean[c])) * Double(inverse[c])
                var y = Double(gamma[c]) * hat + Double(beta[c])
                if rectify { y = max(y, 0) }
                #expect(abs(Double(normalized[r, c]) - hat) < 1e-5)
                #expect(abs(Double(output[r, c]) - y) < 1e-5)
                let masked = rectify && !(output[r, c] > 0) ? 0 : Double(g[r, c])
                expectedSum[c] += masked
                expectedDot[c] += masked * Double(normalized[r, c])
                let expectedDx = Double(scale[c]) * masked - Double(shift[c]) - Double(normalized[r, c]) * Double(slope[c])
                #expect(abs(Double(dx[r, c]) - expectedDx) < 1e-5)
            }
        }
        for c in 0..<columns {
            #expect(abs(Double(sum[c]) - expectedSum[c]) < 1e-5, "column \(c)")
            #expect(abs(Double(dot[c]) - expectedDot[c]) < 1e-5, "column \(c)")
        }
    }
}
