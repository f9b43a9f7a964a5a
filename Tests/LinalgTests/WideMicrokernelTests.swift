import CLinalgKernels
import Linalg
import Testing

/// The AVX-512 microkernel against the AVX2 one on the same packed panels: every element of C
/// bit for bit, for β = 0 (C only written, a NaN there does not propagate) and β ≠ 0, over depths
/// that exercise the unrolled loop and its tail. On a CPU without AVX-512 the test says so and
/// checks that the AVX2 kernel still runs.
@Suite struct WideMicrokernelTests {
    @Test(arguments: [1, 3, 4, 5, 16, 17, 100, 257])
    func avx512TilesEqualAVX2TilesBitForBit(depth: Int) {
        var generator = SeededGenerator(seed: UInt64(depth), stream: 0x512)
        let a = (0..<(6 * depth)).map { _ in Float.random(in: -2...2, using: &generator) }
        let b = (0..<(16 * depth)).map { _ in Float.random(in: -2...2, using: &generator) }
        let ldc = 19
        let start = (0..<(6 * ldc)).map { _ in Float.random(in: -1...1, using: &generator) }
        for (alpha, beta) in [(Float(1), Float(0)), (Float(0.5), Float(-1.25)), (Float(-3), Float(1))] {
            var narrow = start, wide = start
            if beta == 0 {
                // C is not read when β = 0: a NaN in it must not reach the result.
                narrow[0] = .nan
                wide[0] = .nan
            }
            let ranNarrow = narrow.withUnsafeMutableBufferPointer { c in
                dni_gemm_tile(0, Int64(depth), alpha, a, b, beta, c.baseAddress!, Int64(ldc))
            }
            let ranWide = wide.withUnsafeMutableBufferPointer { c in
                dni_gemm_tile(1, Int64(depth), alpha, a, b, beta, c.baseAddress!, Int64(ldc))
            }
            guard ranNarrow == 1 else { return }  // not an AVX2 machine: nothing to compare
            guard ranWide == 1 else {
                #expect(dni_cpu_supports_avx512f() == 0)
                return
            }
            #expect(narrow.map(\.bitPattern) == wide.map(\.bitPattern), "α \(alpha), β \(beta)")
            // The tile is C[0..<6, 0..<16]; columns 16..<19 of each row are untouched.
            for row in 0..<6 {
                for column in 16..<ldc {
                    #expect(wide[row * ldc + column].bitPattern == start[row * ldc + column].bitPattern)
                }
            }
            // And it is the product, formed as both kernels form it: per element, fused
            // multiply-adds in p order, then α·acc (β = 0) or fma(α, acc, β·C).
            for row in 0..<6 {
                for column in 0..<16 {
                    var accumulator: Float = 0
                    for p in 0..<depth { accumulator = accumulator.addingProduct(a[6 * p + row], b[16 * p + column]) }
                    let old = start[row * ldc + column]
                    let expected = beta == 0 ? alpha * accumulator : (beta * old).addingProduct(alpha, accumulator)
                    #expect(wide[row * ldc + column].bitPattern == expected.bitPattern)
                }
            }
        }
    }
}
