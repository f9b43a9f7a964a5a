import Linalg
import Testing

/// The system CBLAS (found at run time) against the reference; skipped when none is installed.
@Suite(.enabled(if: GEMMEngine.systemBLAS != nil,
                "no system CBLAS found (e.g. apt-get install libopenblas0); BLAS path not tested"))
struct SystemBLASTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 9, 4), (9, 1, 4), (5, 3, 17), (7, 17, 9), (13, 33, 65), (70, 3, 1),
    ]

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matchesReference(transposeA: Bool, transposeB: Bool) throws {
        let blas = try #require(GEMMEngine.systemBLAS)
        for threads in [1, 2] {
            blas.setThreadCount(threads)
            for (index, shape) in Self.shapes.enumerated() {
                GEMMOracle.check(blas, m: shape.m, n: shape.n, k: shape.k,
                                 transposeA: transposeA, transposeB: transposeB, seed: 200 + UInt64(index))
            }
        }
    }

    @Test func reportsWhereItWasLoadedFrom() throws {
        let blas = try #require(GEMMEngine.systemBLAS)
        #expect(!blas.libraryPath.isEmpty)
        #expect(GEMMEngine(named: "blas").kernel.name == "blas")
    }
}
