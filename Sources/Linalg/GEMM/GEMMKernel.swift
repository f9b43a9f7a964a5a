/// A single-precision general matrix multiply, `C = α·op(A)·op(B) + β·C`, on row-major storage.
///
/// `op(A)` is `m × k` and `op(B)` is `k × n`. When `transposeA` is false, A is stored as an
/// `m × k` matrix with row stride `lda`; when true, A is stored as `k × m` (so `op(A) = Aᵀ`).
/// Likewise for B. C is `m × n` with row stride `ldc`. As in BLAS, when `beta == 0` the old
/// contents of C are never read (a NaN there does not propagate).
///
/// Implementations: ``ReferenceGEMM`` (the naive triple loop, the oracle in tests),
/// ``BlockedGEMM`` (cache-friendly loops in plain Swift), ``PackedGEMM`` (the fast built-in
/// kernel: packed panels, AVX2/FMA microkernel chosen at run time, threads) and ``SystemBLAS``
/// (the system's `cblas_sgemm`, loaded at run time). Each is tested against the reference.
public protocol GEMMKernel: Sendable {
    /// A short name for `dni info` and benchmark output.
    var name: String { get }

    /// Computes `C = α·op(A)·op(B) + β·C`. See the protocol documentation for the layout.
    func multiply(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    )
}

extension GEMMKernel {
    /// Scales the `m × n` block of C by `beta`, writing zeros (not `0 · C`) when `beta == 0`.
    @inlinable
    func scale(c: UnsafeMutablePointer<Float>, m: Int, n: Int, ldc: Int, beta: Float) {
        if beta == 1 { return }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                for j in 0..<n { row[j] = 0 }
            } else {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }
}
