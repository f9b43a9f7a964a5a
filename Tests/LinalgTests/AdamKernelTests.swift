import Linalg
import Testing

/// The AVX2 Adam kernel against the portable loop: 8-lane blocks plus a tail, several steps.
@Suite struct AdamKernelTests {
    @Test func vectorAndPortableKernelsAgree() {
        guard GEMMInstructionSet.avx2FMA.isSupported else {
            print("AdamKernelTests: no AVX2/FMA on this CPU; only the portable kernel runs")
            return
        }
        var generator = SeededGenerator(seed: 4)
        let start = Matrix.randomNormal(rows: 3, columns: 7, standardDeviation: 1, using: &generator)
        var vector = start, portable = start
        var m1 = Matrix(rows: 3, columns: 7), v1 = m1, m2 = m1, v2 = m1
        for _ in 0..<4 {
            let gradient = Matrix.randomNormal(rows: 3, columns: 7, standardDeviation: 1, using: &generator)
            vector.adamStep(gradient: gradient, firstMoment: &m1, secondMoment: &v1, beta1: 0.9, beta2: 0.999,
                            step: 0.01, correction2: 3, epsilon: 1e-8, instructionSet: .avx2FMA)
            portable.adamStep(gradient: gradient, firstMoment: &m2, secondMoment: &v2, beta1: 0.9, beta2: 0.999,
                              step: 0.01, correction2: 3, epsilon: 1e-8, instructionSet: .portable)
        }
        // Same operations in the same order (no fused multiply-add): equal up to the last bit of
        // the square root and division, which IEEE 754 rounds correctly in both paths.
        #expect(vector == portable)
        #expect(m1 == m2 && v1 == v2)
    }
}
