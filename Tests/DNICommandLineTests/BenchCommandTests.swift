import DNICommandLine
import Testing

/// `dni bench gemm` parses its options and rejects bad ones as bad input (status 2).
@Suite struct BenchCommandTests {
    @Test func badRepeatCountIsBadInput() {
        #expect(DNICommand.run(arguments: ["bench", "gemm", "--repeat", "0"]) == 2)
        #expect(DNICommand.run(arguments: ["bench", "gemm", "--threads", "0"]) == 2)
    }

    @Test func helpSucceeds() {
        #expect(DNICommand.run(arguments: ["bench", "gemm", "--help"]) == 0)
    }
}
