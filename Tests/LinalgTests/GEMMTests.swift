import Linalg
import Testing

/// Compares each GEMM kernel with the naive reference over odd shapes and every transpose case.
@Suite struct GEMMTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 9, 4), (9, 1, 4), (7, 5, 13), (5, 3, 17), (65, 33, 31), (3, 70, 1), (16, 16, 0),
    ]

    static let kernels: [any GEMMKernel] = [BlockedGEMM(), BlockedGEMM(kBlock: 3)]

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func kernelsMatchReference(transposeA: Bool, transposeB: Bool) {
        var generator = SeededGenerator(seed: 11)
        for kernel in Self.kernels {
            for (m, n, k) in Self.shapes {
                for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-1.5, 0.25)] {
                    let a = Matrix.randomUniform(rows: transposeA ? k : m, columns: transposeA ? m : k,
                                                 lower: -1, upper: 1, using: &generator)
                    let b = Matrix.randomUniform(rows: transposeB ? n : k, columns: transposeB ? k : n,
                                                 lower: -1, upper: 1, using: &generator)
                    let c0 = Matrix.randomUniform(rows: m, columns: n, lower: -1, upper: 1, using: &generator)
                    var expected = c0
                    var actual = c0
                    GEMMEngine(kernel: ReferenceGEMM()).multiply(
                        a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &expected)
                    GEMMEngine(kernel: kernel).multiply(
                        a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &actual)
                    // Float accumulation over k ≤ 31 terms of size ≤ 1: error ≤ k·ε·Σ|terms| ≈ 1e-5.
                    let error = zip(expected.storage, actual.storage).map { abs($0 - $1) }.max() ?? 0
                    #expect(error <= 1e-4, "\(kernel.name) \(m)×\(n)×\(k) tA=\(transposeA) tB=\(transposeB): max error \(error)")
                }
            }
        }
    }

    @Test func betaZeroIgnoresNaNInOutput() {
        let a = Matrix([[1, 2], [3, 4]])
        let b = Matrix([[1, 0], [0, 1]])
        for kernel in Self.kernels + [ReferenceGEMM()] {
            var c = Matrix(rows: 2, columns: 2, repeating: .nan)
            GEMMEngine(kernel: kernel).multiply(a, b, beta: 0, into: &c)
            #expect(c == a, "\(kernel.name)")
        }
    }

    @Test func referenceComputesKnownProduct() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[7, 8], [9, 10], [11, 12]])
        let c = GEMMEngine(kernel: ReferenceGEMM()).product(a, b)
        #expect(c == Matrix([[58, 64], [139, 154]]))
    }
}
