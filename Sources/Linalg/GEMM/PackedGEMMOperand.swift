import CLinalgKernels

/// A right operand op(B) packed once by ``PackedGEMM`` for several products with different left
/// operands: a recurrent window multiplies each step's rows by the same weights, and packing
/// W is about a tenth of an LSTM window's time when it is repeated at every step.
///
/// Pack with ``GEMMEngine/pack(transposeB:k:n:b:ldb:into:)`` and multiply with
/// ``GEMMEngine/multiplyBlocks(transposeA:m:alpha:a:lda:packed:b:ldb:beta:c:ldc:)``. The packed
/// panels are a copy: if B changes, pack again. With a kernel other than ``PackedGEMM`` nothing
/// is packed and the products read B itself, so callers pass B to both calls.
///
/// The products are bit for bit those of ``PackedGEMM/multiply(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// on the same operands: the same panels, depth slices and microkernels. The buffer grows to
/// the largest operand packed into it and is then reused, so a warm operand allocates nothing.
public final class PackedGEMMOperand {
    private var buffer: UnsafeMutablePointer<Float>?
    private var capacity = 0
    /// The packed shape: op(B) is `k × n`; 0 × 0 before the first pack.
    public private(set) var k = 0, n = 0
    /// Whether B was stored transposed (op(B) = Bᵀ).
    public private(set) var transposeB = false
    /// The kernel's column block when packed (blocks of op(B) columns from column 0).
    private(set) var columnBlock = 0
    /// The depth of the slices the panels were packed in (the packing kernel's, for this k).
    private(set) var depthBlock = 0
    /// Whether panels hold a packed op(B) (false with kernels that do not pack).
    public private(set) var isPacked = false

    /// An empty operand.
    public init() {}

    deinit { buffer?.deallocate() }

    /// Packs op(B) (`k × n`, B with row stride `ldb`) the way `kernel` would for every product.
    func pack(with kernel: PackedGEMM, transposeB: Bool, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int) {
        precondition(k >= 1 && n >= 1, "a packed operand needs k ≥ 1 and n ≥ 1")
        let columnBlock = min(kernel.blocking.columnBlock, GEMMBlocking.roundUp(n, to: GEMMBlocking.tileColumns))
        let count = GEMMBlocking.roundUp(n, to: GEMMBlocking.tileColumns) * k
        if count > capacity {
            buffer?.deallocate()
            let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            buffer = raw.bindMemory(to: Float.self, capacity: count)
            capacity = count
        }
        let panels = buffer!
        let depthBlock = kernel.depthBlock(k: k), instructionSet = kernel.instructionSet.cValue
        for blockStart in stride(from: 0, to: n, by: columnBlock) {
            let columns = min(columnBlock, n - blockStart)
            let width = GEMMBlocking.roundUp(columns, to: GEMMBlocking.tileColumns)
            for depthStart in stride(from: 0, to: k, by: depthBlock) {
                let depth = min(depthBlock, k - depthStart)
                let source = transposeB ? b + blockStart * ldb + depthStart : b + depthStart * ldb + blockStart
                dni_gemm_pack_b(instructionSet, transposeB ? 1 : 0, Int64(depth), Int64(columns), source, Int64(ldb),
                                panels + blockStart * k + width * depthStart)
            }
        }
        self.k = k
        self.n = n
        self.transposeB = transposeB
        self.columnBlock = columnBlock
        self.depthBlock = depthBlock
        isPacked = true
    }

    /// Marks the operand as holding nothing packed (a kernel that does not pack).
    func clear(transposeB: Bool, k: Int, n: Int) {
        self.k = k
        self.n = n
        self.transposeB = transposeB
        isPacked = false
    }

    /// The layout ``PackedGEMM`` reads the panels by.
    var layout: PackedGEMM.PackedLayout {
        PackedGEMM.PackedLayout(panels: UnsafePointer(buffer!), n: n, columnBlock: columnBlock)
    }
}

extension PackedGEMM {
    /// `C = α·op(A)·op(B) + β·C` with op(B) read from `packed` (packed by this kernel's blocking).
    func multiply(transposeA: Bool, m: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                  packed: PackedGEMMOperand, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let n = packed.n, k = packed.k
        precondition(depthBlock(k: k) == packed.depthBlock
                     && min(blocking.columnBlock, GEMMBlocking.roundUp(n, to: GEMMBlocking.tileColumns)) == packed.columnBlock,
                     "the operand was packed by a kernel with other cache blocks")
        if m <= 0 { return }
        if alpha == 0 {
            scale(c: c, m: m, n: n, ldc: ldc, beta: beta)
            return
        }
        // B itself is never read: its pointer is only a placeholder beside the packed panels.
        let operands = Operands(transposeA: transposeA, transposeB: packed.transposeB, k: k, alpha: alpha,
                                a: a, lda: lda, b: UnsafePointer(c), ldb: 0, beta: beta, c: c, ldc: ldc,
                                packedB: packed.layout)
        run(operands, m: m, n: n)
    }
}

extension GEMMEngine {
    /// Packs op(B) (`k × n`; B has row stride `ldb`, stored transposed when `transposeB`) into
    /// `packed` for later ``multiplyBlocks(transposeA:m:alpha:a:lda:packed:b:ldb:beta:c:ldc:)``
    /// calls. Kernels other than the built-in one pack nothing.
    public func pack(transposeB: Bool = false, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, into packed: PackedGEMMOperand) {
        if let builtin = kernel as? PackedGEMM {
            packed.pack(with: builtin, transposeB: transposeB, k: k, n: n, b: b, ldb: ldb)
        } else {
            packed.clear(transposeB: transposeB, k: k, n: n)
        }
    }

    /// `C = α·op(A)·op(B) + β·C` with op(B) as last packed into `packed` (`k × n`): the built-in
    /// kernel reads the packed panels, any other kernel reads `b` (row stride `ldb`), which must
    /// be the B that was packed, unchanged since. op(A) is `m × k`.
    public func multiplyBlocks(transposeA: Bool = false, m: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                               packed: PackedGEMMOperand, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(packed.n >= 1, "multiplyBlocks(packed:) needs pack(transposeB:k:n:b:ldb:into:) first")
        if packed.isPacked, let builtin = kernel as? PackedGEMM {
            builtin.multiply(transposeA: transposeA, m: m, alpha: alpha, a: a, lda: lda, packed: packed,
                             beta: beta, c: c, ldc: ldc)
        } else {
            multiplyBlocks(transposeA: transposeA, transposeB: packed.transposeB, m: m, n: packed.n, k: packed.k,
                           alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}
