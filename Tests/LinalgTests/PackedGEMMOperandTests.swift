import Linalg
import Testing

/// ``PackedGEMMOperand``: op(B) packed once gives bit for bit the products of packing it at
/// every call, across tile and block edges, transposes, strips over threads and kernels.
@Suite struct PackedGEMMOperandTests {
    /// C from a plain product and from one through a packed operand, same inputs, β = 0.5 (so
    /// C is read) and α = 0.75.
    static func products(_ engine: GEMMEngine, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                         seed: UInt64, operand: PackedGEMMOperand) -> (plain: [Float], packed: [Float]) {
        var generator = SeededGenerator(seed: seed)
        let a = Matrix.randomUniform(rows: transposeA ? k : m, columns: transposeA ? m : k, lower: -1, upper: 1, using: &generator)
        let b = Matrix.randomUniform(rows: transposeB ? n : k, columns: transposeB ? k : n, lower: -1, upper: 1, using: &generator)
        let start = Matrix.randomUniform(rows: m, columns: n, lower: -1, upper: 1, using: &generator)
        var plain = start, packed = start
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { bp in
                plain.withUnsafeMutableBufferPointer { c in
                    engine.multiplyBlocks(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.75,
                                          a: a.baseAddress!, lda: a.count / (transposeA ? k : m), b: bp.baseAddress!,
                                          ldb: transposeB ? k : n, beta: 0.5, c: c.baseAddress!, ldc: n)
                }
                engine.pack(transposeB: transposeB, k: k, n: n, b: bp.baseAddress!, ldb: transposeB ? k : n, into: operand)
                packed.withUnsafeMutableBufferPointer { c in
                    engine.multiplyBlocks(transposeA: transposeA, m: m, alpha: 0.75, a: a.baseAddress!,
                                          lda: a.count / (transposeA ? k : m), packed: operand, b: bp.baseAddress!,
                                          ldb: transposeB ? k : n, beta: 0.5, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return (plain.storage, packed.storage)
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func packedOnceIsBitForBitThePlainProduct(transposeA: Bool, transposeB: Bool) {
        // One operand reused across shapes: it must grow and repack correctly.
        let operand = PackedGEMMOperand()
        for kernel in PackedGEMMTests.kernels(blocking: PackedGEMMTests.smallBlocking) {
            let engine = GEMMEngine(kernel: kernel)
            for (index, shape) in (PackedGEMMTests.shapes + [(64, 100, 20), (3, 97, 33)]).enumerated() {
                let result = Self.products(engine, m: shape.m, n: shape.n, k: shape.k, transposeA: transposeA,
                                           transposeB: transposeB, seed: UInt64(index), operand: operand)
                #expect(result.plain == result.packed, "\(kernel.instructionSet) threads \(kernel.threads) \(shape)")
                #expect(operand.isPacked && operand.k == shape.k && operand.n == shape.n)
            }
        }
    }

    /// The LSTM's shape with the default blocks: one packed W for many left blocks.
    @Test func oneOperandServesManyProducts() {
        let engine = GEMMEngine(kernel: PackedGEMM(threads: 1))
        let operand = PackedGEMMOperand()
        for seed in 0..<3 {
            let result = Self.products(engine, m: 64, n: 1024, k: 264, transposeA: false, transposeB: false,
                                       seed: UInt64(seed), operand: operand)
            #expect(result.plain == result.packed)
        }
    }

    /// Kernels that do not pack read B itself: the same results as their plain products.
    @Test func otherKernelsReadBItself() {
        for engine in [GEMMEngine(kernel: ReferenceGEMM()), GEMMEngine(kernel: BlockedGEMM())] {
            let operand = PackedGEMMOperand()
            let result = Self.products(engine, m: 7, n: 19, k: 5, transposeA: false, transposeB: true, seed: 4, operand: operand)
            #expect(!operand.isPacked)
            #expect(result.plain == result.packed)
        }
    }
}
