import CLinalgKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's CBLAS `cblas_sgemm` (OpenBLAS, reference BLAS, Accelerate), found at run time.
///
/// The package never links a BLAS: ``load()`` tries `dlopen` on the usual library names and
/// returns nil when none exports `cblas_sgemm`, and callers fall back to ``PackedGEMM``. Only
/// LP64 libraries (32-bit integers) are tried; numpy's bundled ILP64 OpenBLAS, with renamed
/// symbols, is never picked up.
public struct SystemBLAS: GEMMKernel {
    /// `cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)`.
    typealias SGEMMFunction = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float,
        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
        UnsafeMutablePointer<Float>?, Int32
    ) -> Void
    /// `openblas_set_num_threads(count)`.
    typealias SetThreadsFunction = @convention(c) (Int32) -> Void

    // CBLAS enumeration values (cblas.h).
    private static let rowMajor: Int32 = 101
    private static let noTranspose: Int32 = 111
    private static let transpose: Int32 = 112

    /// The file the library was loaded from (as the dynamic loader resolved it).
    public let libraryPath: String
    /// Function addresses as integers, so that the value is plainly `Sendable`; a loaded library
    /// is never unloaded (its handle is intentionally kept open), so the addresses stay valid.
    private let sgemmAddress: UInt
    private let setThreadsAddress: UInt?

    /// The library names tried, in order.
    public static var candidateLibraries: [String] {
        #if canImport(Darwin)
        ["/System/Library/Frameworks/Accelerate.framework/Accelerate", "libopenblas.dylib", "libcblas.dylib"]
        #else
        ["libopenblas.so.0", "libopenblas.so", "libblis.so.4", "libcblas.so.3", "libcblas.so", "libblas.so.3", "libblas.so"]
        #endif
    }

    /// The first candidate library exporting `cblas_sgemm`, or nil when there is none.
    public static func load() -> SystemBLAS? {
        for name in candidateLibraries {
            if let blas = load(library: name) { return blas }
        }
        return nil
    }

    /// The library `name` (a file name or path for `dlopen`) if it exports `cblas_sgemm`.
    public static func load(library name: String) -> SystemBLAS? {
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { return nil }
        guard let sgemm = dlsym(handle, "cblas_sgemm") else {
            dlclose(handle)
            return nil
        }
        let setThreads = dlsym(handle, "openblas_set_num_threads")
        var path = name
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 4096) { buffer in
            if dni_library_path_of_symbol(sgemm, buffer.baseAddress!, Int64(buffer.count)) != 0 {
                path = String(cString: buffer.baseAddress!)
            }
        }
        return SystemBLAS(libraryPath: path, sgemmAddress: UInt(bitPattern: sgemm),
                          setThreadsAddress: setThreads.map { UInt(bitPattern: $0) })
    }

    private init(libraryPath: String, sgemmAddress: UInt, setThreadsAddress: UInt?) {
        self.libraryPath = libraryPath
        self.sgemmAddress = sgemmAddress
        self.setThreadsAddress = setThreadsAddress
    }

    /// `blas`, the name `DNI_GEMM` selects this kernel by.
    public var name: String { "blas" }

    /// Whether the library lets us set its thread count (OpenBLAS does).
    public var canSetThreadCount: Bool { setThreadsAddress != nil }

    /// Sets the library's own thread count (`openblas_set_num_threads`); this is the library's
    /// process-wide setting, so it affects every user of the library. No effect when unsupported.
    public func setThreadCount(_ count: Int) {
        guard let address = setThreadsAddress, let raw = UnsafeRawPointer(bitPattern: address) else { return }
        let function = unsafeBitCast(raw, to: SetThreadsFunction.self)
        function(Int32(clamping: max(1, count)))
    }

    /// `C = α·op(A)·op(B) + β·C`; see ``GEMMKernel`` for the layout and the β = 0 rule.
    public func multiply(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m <= 0 || n <= 0 { return }
        precondition(max(m, n, k, lda, ldb, ldc) <= Int(Int32.max), "matrix too large for a 32-bit CBLAS")
        let function = unsafeBitCast(UnsafeRawPointer(bitPattern: sgemmAddress)!, to: SGEMMFunction.self)
        // CBLAS requires the leading dimension to be at least the stored row length.
        let aRowLength = transposeA ? m : k
        let bRowLength = transposeB ? k : n
        function(Self.rowMajor,
                 transposeA ? Self.transpose : Self.noTranspose,
                 transposeB ? Self.transpose : Self.noTranspose,
                 Int32(m), Int32(n), Int32(k), alpha,
                 a, Int32(max(lda, aRowLength, 1)), b, Int32(max(ldb, bRowLength, 1)), beta,
                 c, Int32(max(ldc, n, 1)))
    }
}
