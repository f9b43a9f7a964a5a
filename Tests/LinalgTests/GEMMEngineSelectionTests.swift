import Linalg
import Testing

/// `DNI_GEMM` names map to kernels; a request that cannot be met falls back with a note.
@Suite struct GEMMEngineSelectionTests {
    @Test func namesSelectKernels() {
        #expect(GEMMEngine(named: nil).kernel.name == "builtin")
        #expect(GEMMEngine(named: "builtin").kernel.name == "builtin")
        #expect(GEMMEngine(named: "BLOCKED").kernel.name == "blocked")
        #expect(GEMMEngine(named: "reference").kernel.name == "reference")
        #expect(GEMMEngine(named: nil).selectionNote == nil)
    }

    @Test func blasFallsBackToBuiltinWithNote() {
        let engine = GEMMEngine(named: "blas")
        if GEMMEngine.systemBLAS == nil {
            #expect(engine.kernel.name == "builtin")
            #expect(engine.selectionNote != nil)
        } else {
            #expect(engine.kernel.name == "blas")
            #expect(engine.selectionNote == nil)
        }
    }

    @Test func unknownNameFallsBackWithNote() {
        let engine = GEMMEngine(named: "cuda")
        #expect(engine.kernel.name == "builtin")
        #expect(engine.selectionNote?.contains("cuda") == true)
    }

    @Test func threadCountReachesBuiltinKernel() {
        let engine = GEMMEngine(named: "builtin", threads: 1)
        #expect((engine.kernel as? PackedGEMM)?.threads == 1)
    }

    @Test func missingLibraryIsNil() {
        #expect(SystemBLAS.load(library: "libdoes-not-exist-dni.so") == nil)
    }
}
