/// A cache-friendly GEMM in plain Swift, with no packing and no threads.
///
/// Every transpose case is arranged so that the innermost loop runs along contiguous memory
/// (an `axpy` over a row of B and C, or a dot product of two contiguous rows), which the compiler
/// vectorises for the baseline instruction set. The `k` dimension is blocked so that the rows
/// of B being reused stay in cache. It is the portable fallback under the faster kernels.
public struct BlockedGEMM: GEMMKernel {
    /// Rows of B (or of Bᵀ) reused across one block of the `k` loop.
    public var kBlock: Int

    public init(kBlock: Int = 256) {
        self.kBlock = max(1, kBlock)
    }

    public var name: String { "blocked" }

    public func multiply(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        scale(c: c, m: m, n: n, ldc: ldc, beta: beta)
        if m == 0 || n == 0 || k == 0 || alpha == 0 { return }
        if transposeB {
            // C[i, j] += α Σ_p op(A)[i, p] · B[j, p]: dot products of contiguous rows of B.
            multiplyTransposedB(transposeA: transposeA, m: m, n: n, k: k, alpha: alpha,
                                a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
            return
        }
        // C[i, :] += (α op(A)[i, p]) · B[p, :]: an axpy along a contiguous row of B and of C.
        var blockStart = 0
        while blockStart < k {
            let blockEnd = min(k, blockStart + kBlock)
            for i in 0..<m {
                let cRow = c + i * ldc
                for p in blockStart..<blockEnd {
                    let aValue = alpha * (transposeA ? a[p * lda + i] : a[i * lda + p])
                    if aValue == 0 { continue }
                    let bRow = b + p * ldb
                    for j in 0..<n { cRow[j] += aValue * bRow[j] }
                }
            }
            blockStart = blockEnd
        }
    }

    private func multiplyTransposedB(
        transposeA: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if !transposeA {
            for i in 0..<m {
                let aRow = a + i * lda
                for j in 0..<n {
                    let bRow = b + j * ldb
                    var sum: Float = 0
                    for p in 0..<k { sum += aRow[p] * bRow[p] }
                    c[i * ldc + j] += alpha * sum
                }
            }
            return
        }
        // Both transposed (rare): C[i, j] += α Σ_p A[p, i] · B[j, p].
        for p in 0..<k {
            let aRow = a + p * lda
            for i in 0..<m {
                let aValue = alpha * aRow[i]
                if aValue == 0 { continue }
                let cRow = c + i * ldc
                for j in 0..<n { cRow[j] += aValue * b[j * ldb + p] }
            }
        }
    }
}
