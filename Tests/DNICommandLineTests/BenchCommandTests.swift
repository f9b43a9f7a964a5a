import DNICommandLine
import Testing

/// `dni bench gemm` parses its options and rejects bad ones as bad input (status 2).
@Suite struct BenchCommandTests {
    @Test func badRepeatCountIsBadInput() {
        #expect(CapturedRun(["bench", "gemm", "--repeat", "0"]).status == 2)
        #expect(CapturedRun(["bench", "gemm", "--threads", "0"]).status == 2)
    }

    @Test func helpSucceeds() {
        #expect(CapturedRun(["bench", "gemm", "--help"]).status == 0)
    }
}
