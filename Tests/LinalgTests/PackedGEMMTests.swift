import Dispatch
import Linalg
import Testing

/// ``PackedGEMM`` against the reference: both microkernels, 1 and 2 threads, every transpose
/// case, shapes at and around each tile and cache-block edge.
@Suite struct PackedGEMMTests {
    /// Small cache blocks, so that every block edge is crossed by small (fast) shapes.
    static let smallBlocking = GEMMBlocking(rowBlock: 12, depthBlock: 8, columnBlock: 32)

    /// (m, n, k): degenerate, odd, tile edges (6 ± 1 rows, 16 ± 1 columns, the 8-wide half tile)
    /// and the small blocking's edges (MC = 12, KC = 8, NC = 32, each ± 1).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 1, 9), (1, 9, 4), (9, 1, 4), (5, 3, 17), (3, 70, 1),
        (5, 15, 7), (6, 16, 8), (7, 17, 9), (6, 8, 3), (13, 7, 5), (12, 9, 2),
        (11, 31, 7), (12, 32, 8), (13, 33, 9), (25, 65, 17), (40, 50, 30),
    ]

    /// (m, n, k) around the default blocks (MC = 120, KC = 256, NC = 3072), kept thin so the
    /// reference stays fast in a debug build.
    static let defaultBlockingShapes: [(m: Int, n: Int, k: Int)] = [
        (119, 5, 3), (121, 17, 2), (7, 9, 255), (7, 17, 257), (5, 3071, 2), (7, 3073, 2),
    ]

    /// The kernels under test; AVX2/FMA only on a CPU that has it.
    static func kernels(blocking: GEMMBlocking) -> [PackedGEMM] {
        var sets: [GEMMInstructionSet] = [.portable]
        if GEMMInstructionSet.avx2FMA.isSupported { sets.append(.avx2FMA) }
        return sets.flatMap { set in
            // minimumWorkPerThread: 1 makes even tiny products split across the 2 threads.
            [1, 2].map { PackedGEMM(threads: $0, instructionSet: set, blocking: blocking, minimumWorkPerThread: 1) }
                // More strips than threads: strips are claimed dynamically.
                + [PackedGEMM(threads: 2, instructionSet: set, blocking: blocking, minimumWorkPerThread: 1, stripsPerThread: 3)]
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matchesReferenceAcrossTileAndBlockEdges(transposeA: Bool, transposeB: Bool) {
        for kernel in Self.kernels(blocking: Self.smallBlocking) {
            for (index, shape) in Self.shapes.enumerated() {
                GEMMOracle.check(kernel, m: shape.m, n: shape.n, k: shape.k,
                                 transposeA: transposeA, transposeB: transposeB, seed: UInt64(index))
            }
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matchesReferenceAroundDefaultBlocks(transposeA: Bool, transposeB: Bool) {
        for kernel in Self.kernels(blocking: .default) {
            for (index, shape) in Self.defaultBlockingShapes.enumerated() {
                GEMMOracle.check(kernel, m: shape.m, n: shape.n, k: shape.k,
                                 transposeA: transposeA, transposeB: transposeB, seed: 100 + UInt64(index))
            }
        }
    }

    @Test func emptyDepthScalesOutput() {
        for kernel in Self.kernels(blocking: .default) {
            var c: [Float] = [1, 2, 3, .nan]
            kernel.run(false, false, 2, 2, 0, 1, [0], 1, [0], 2, 0.5, &c, 2)
            #expect(c[0] == 0.5 && c[1] == 1 && c[2] == 1.5 && c[3].isNaN, "\(kernel.instructionSet)")
            c = [1, 2, 3, .nan]
            kernel.run(false, false, 2, 2, 0, 1, [0], 1, [0], 2, 0, &c, 2)
            #expect(c == [0, 0, 0, 0], "β = 0 writes zeros, even over NaN")
        }
    }

    @Test func engineProductMatchesReference() {
        var generator = SeededGenerator(seed: 7)
        let a = Matrix.randomUniform(rows: 37, columns: 29, lower: -1, upper: 1, using: &generator)
        let b = Matrix.randomUniform(rows: 29, columns: 41, lower: -1, upper: 1, using: &generator)
        let expected = GEMMEngine(kernel: ReferenceGEMM()).product(a, b)
        let actual = GEMMEngine.builtin(threads: 2).product(a, b)
        let error = Swift.zip(expected.storage, actual.storage).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= 1e-4)
    }

    /// Several threads sharing one kernel value (pipeline stages sharing an engine): one gets
    /// the worker pool, the others run on their own thread; every product must be right.
    @Test func concurrentCallersShareOneKernel() {
        let kernel = PackedGEMM(threads: 2, minimumWorkPerThread: 1)
        let shapes = [(m: 37, n: 45, k: 29), (m: 50, n: 20, k: 33), (m: 8, n: 70, k: 12), (m: 61, n: 3, k: 9)]
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let shape = shapes[index % shapes.count]
            for round in 0..<5 {
                GEMMOracle.check(kernel, m: shape.m, n: shape.n, k: shape.k, transposeA: index % 2 == 0,
                                 transposeB: round % 2 == 0, seed: UInt64(300 + index * 10 + round))
            }
        }
    }

    @Test func threadsAreAtLeastOne() {
        #expect(PackedGEMM(threads: 0).threads == 1)
        #expect(PackedGEMM().threads == PackedGEMM.activeProcessorCount)
        #expect(PackedGEMM(threads: 1).stripCount(m: 1000, n: 1000, k: 1000) == 1)
        #expect(PackedGEMM(threads: 2, stripsPerThread: 4).stripCount(m: 1000, n: 1000, k: 1000) == 8)
        #expect(PackedGEMM(threads: 2).stripCount(m: 64, n: 64, k: 64) == 1, "too small to split")
    }
}
