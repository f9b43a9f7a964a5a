import DNICommandLine
import Testing

/// `dni bench conv` parses its options and rejects bad ones as bad input (status 2).
@Suite struct ConvolutionBenchCommandTests {
    @Test func badOptionsAreBadInput() {
        #expect(CapturedRun(["bench", "conv", "--repeat", "0"]).status == 2)
        #expect(CapturedRun(["bench", "conv", "--threads", "0"]).status == 2)
        #expect(CapturedRun(["bench", "conv", "--steps", "0"]).status == 2)
        let badList = CapturedRun(["bench", "conv", "--batch-sizes", "64,x"])
        #expect(badList.status == 2)
        #expect(badList.standardError.contains("--batch-sizes must be positive integers"))
        #expect(CapturedRun(["bench", "conv", "--batch-sizes", "0"]).status == 2)
    }

    @Test func helpSucceeds() {
        let help = CapturedRun(["bench", "conv", "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("--skip-step"))
    }
}
