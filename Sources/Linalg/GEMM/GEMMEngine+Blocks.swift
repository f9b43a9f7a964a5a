/// Products of blocks inside larger buffers: a recurrent window keeps every step's rows in one
/// matrix, and a step multiplies the block of its rows in place.
extension GEMMEngine {
    /// `C = α·op(A)·op(B) + β·C` on row-major blocks given by pointers and row strides (the
    /// layout of ``GEMMKernel``): op(A) is `m × k`, op(B) is `k × n`, C is `m × n`.
    /// When `beta == 0`, C is only written. Nothing happens when `m` or `n` is 0.
    public func multiplyBlocks(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM block dimensions must be non-negative")
        if m == 0 || n == 0 { return }
        if k == 0 {
            // Nothing to multiply: C = β·C (zeros when β == 0).
            for i in 0..<m {
                for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
            }
            return
        }
        kernel.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}
