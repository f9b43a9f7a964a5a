/// Chooses which ``GEMMKernel`` computes the matrix products of a network.
///
/// An engine is a value passed to the layers that multiply matrices; there is no global mutable
/// setting. ``GEMMEngine/default`` is read once from the environment (`DNI_GEMM`,
/// `DNI_GEMM_THREADS`), so a benchmark or a test can force one kernel without code changes.
/// A pipelined executor that runs one stage per core will want ``builtin(threads:)`` with 1.
public struct GEMMEngine: Sendable {
    /// The kernel that computes every product through this engine.
    public var kernel: any GEMMKernel

    /// Why this engine is not the one its name asked for (e.g. `blas` requested, none found),
    /// for `dni info` and logs; nil when the request was met.
    public private(set) var selectionNote: String?

    /// An engine that multiplies with `kernel`.
    public init(kernel: any GEMMKernel) {
        self.kernel = kernel
        self.selectionNote = nil
    }

    /// The engine chosen from the environment: `DNI_GEMM` names the kernel
    /// (`builtin`, `blas`, `blocked`, `reference`; unset means `builtin`) and `DNI_GEMM_THREADS`
    /// the thread count of the built-in kernel (unset: every online processor).
    public static let `default`: GEMMEngine = GEMMEngine(
        named: environmentValue("DNI_GEMM"),
        threads: environmentValue("DNI_GEMM_THREADS").flatMap { Int($0) })

    /// The system CBLAS found at run time, if any (looked up once per process).
    public static let systemBLAS: SystemBLAS? = SystemBLAS.load()

    /// The built-in ``PackedGEMM`` with `threads` threads (default: every online processor).
    public static func builtin(threads: Int = PackedGEMM.activeProcessorCount) -> GEMMEngine {
        GEMMEngine(kernel: PackedGEMM(threads: threads))
    }

    /// The engine for a kernel name: `builtin` (``PackedGEMM``), `blas` (``SystemBLAS``, or
    /// `builtin` with a ``selectionNote`` when no BLAS is found), `blocked` (``BlockedGEMM``),
    /// `reference` (``ReferenceGEMM``). Nil means `builtin`; an unknown name also gives
    /// `builtin`, with a note. `threads` sets the built-in kernel's thread count.
    public init(named name: String?, threads: Int? = nil) {
        let builtin = PackedGEMM(threads: threads ?? PackedGEMM.activeProcessorCount)
        switch name?.lowercased() {
        case nil, "builtin":
            self.init(kernel: builtin)
        case "blas":
            if let blas = GEMMEngine.systemBLAS {
                self.init(kernel: blas)
            } else {
                self.init(kernel: builtin)
                selectionNote = "DNI_GEMM=blas but no system CBLAS (cblas_sgemm) was found; using builtin"
            }
        case "blocked":
            self.init(kernel: BlockedGEMM())
        case "reference":
            self.init(kernel: ReferenceGEMM())
        case let other?:
            self.init(kernel: builtin)
            selectionNote = "unknown GEMM kernel '\(other)' (expected builtin, blas, blocked or reference); using builtin"
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
