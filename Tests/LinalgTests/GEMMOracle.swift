import Linalg
import Testing

/// Checks a kernel against ``ReferenceGEMM`` on one shape, for every α/β case.
enum GEMMOracle {
    /// The α/β pairs every check runs: plain product (β = 0, C full of NaN that must not leak),
    /// accumulate (β = 1), and general scaling.
    static let scalings: [(alpha: Float, beta: Float)] = [(1, 0), (0.5, 1), (-1.5, 0.25), (0, 0.5)]

    /// Compares `kernel` with the reference for `C (m×n) = α·op(A)·op(B) + β·C`, through the
    /// raw-pointer protocol with padded leading dimensions (lda, ldb, ldc larger than the rows
    /// they hold), so that strides are exercised too. Returns the largest error seen.
    @discardableResult
    static func check(_ kernel: any GEMMKernel, m: Int, n: Int, k: Int,
                      transposeA: Bool, transposeB: Bool, seed: UInt64,
                      sourceLocation: SourceLocation = #_sourceLocation) -> Float {
        var generator = SeededGenerator(seed: seed)
        let aRows = transposeA ? k : m, aColumns = transposeA ? m : k
        let bRows = transposeB ? n : k, bColumns = transposeB ? k : n
        let lda = aColumns + 3, ldb = bColumns + 1, ldc = n + 2
        let a = (0..<(max(1, aRows) * lda)).map { _ in generator.nextFloat(in: -1, 1) }
        let b = (0..<(max(1, bRows) * ldb)).map { _ in generator.nextFloat(in: -1, 1) }
        let start = (0..<(m * ldc)).map { _ in generator.nextFloat(in: -1, 1) }
        var worst: Float = 0
        for (alpha, beta) in scalings {
            // With β = 0 the old C must not be read: fill it with NaN.
            var expected = beta == 0 ? [Float](repeating: .nan, count: start.count) : start
            var actual = expected
            ReferenceGEMM().run(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, &expected, ldc)
            kernel.run(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, &actual, ldc)
            // Float accumulation of k terms of size ≤ 1: error ≤ k·ε·Σ|terms| ≤ k²·ε ≈ 1e-5·k for
            // the k ≤ 300 used here; rounding errors are random, so this is far from tight.
            let tolerance = 1e-5 * Float(max(1, k))
            for row in 0..<m {
                for column in 0..<n {
                    let index = row * ldc + column
                    let error = abs(expected[index] - actual[index])
                    worst = max(worst, error.isNaN ? .infinity : error)
                }
                // The padding between rows of C must be untouched.
                for column in n..<ldc where row * ldc + column < actual.count {
                    let index = row * ldc + column
                    #expect(actual[index].bitPattern == expected[index].bitPattern || (actual[index].isNaN && expected[index].isNaN),
                            "\(kernel.name) wrote outside C", sourceLocation: sourceLocation)
                }
            }
            #expect(worst <= tolerance,
                    "\(kernel.name) \(m)×\(n)×\(k) tA=\(transposeA) tB=\(transposeB) α=\(alpha) β=\(beta): max error \(worst)",
                    sourceLocation: sourceLocation)
        }
        return worst
    }
}

extension GEMMKernel {
    /// `multiply` on arrays, for tests.
    func run(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
             _ a: [Float], _ lda: Int, _ b: [Float], _ ldb: Int, _ beta: Float, _ c: inout [Float], _ ldc: Int) {
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                             a: aBuffer.baseAddress!, lda: lda, b: bBuffer.baseAddress!, ldb: ldb,
                             beta: beta, c: cBuffer.baseAddress!, ldc: ldc)
                }
            }
        }
    }
}
