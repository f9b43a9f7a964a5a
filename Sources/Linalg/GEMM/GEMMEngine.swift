/// Chooses which ``GEMMKernel`` computes the matrix products of a network.
///
/// An engine is a value passed to the layers that multiply matrices; there is no global mutable
/// setting. ``GEMMEngine/default`` is read once from the environment (`DNI_GEMM`), so a
/// benchmark or a test can force one kernel without code changes.
public struct GEMMEngine: Sendable {
    /// The kernel that computes every product through this engine.
    public var kernel: any GEMMKernel

    /// An engine that multiplies with `kernel`.
    public init(kernel: any GEMMKernel) {
        self.kernel = kernel
    }

    /// The engine chosen from the environment variable `DNI_GEMM`
    /// (`reference`, `blocked`); unset or unknown means the fastest available kernel.
    public static let `default`: GEMMEngine = GEMMEngine(named: environmentValue("DNI_GEMM"))

    /// The engine for a kernel name, or the fastest kernel when `name` is nil or unknown.
    public init(named name: String?) {
        switch name?.lowercased() {
        case "reference": self.init(kernel: ReferenceGEMM())
        default: self.init(kernel: BlockedGEMM())
        }
    }

    /// `C = α·op(A)·op(B) + β·C` on matrices.
    ///
    /// With `beta == 0`, `c` is resized to `op(A).rows × op(B).columns` (keeping its capacity);
    /// otherwise it must already have that shape.
    public func multiply(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0,
        into c: inout Matrix
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kB = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kB, "GEMM inner dimensions differ: op(A) is \(m)×\(k), op(B) is \(kB)×\(n)")
        if beta == 0 {
            c.resize(rows: m, columns: n)
        } else {
            precondition(c.rows == m && c.columns == n, "GEMM output is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        }
        if m == 0 || n == 0 { return }
        let kernel = self.kernel
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    // An empty operand (k == 0) has no base address; any valid pointer will do.
                    let aPointer = aBuffer.baseAddress ?? UnsafePointer(cBuffer.baseAddress!)
                    let bPointer = bBuffer.baseAddress ?? UnsafePointer(cBuffer.baseAddress!)
                    kernel.multiply(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        alpha: alpha, a: aPointer, lda: max(1, a.columns),
                        b: bPointer, ldb: max(1, b.columns),
                        beta: beta, c: cBuffer.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// `op(A)·op(B)` as a new matrix.
    public func product(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false) -> Matrix {
        var c = Matrix.empty
        multiply(a, transposeA: transposeA, b, transposeB: transposeB, into: &c)
        return c
    }
}
