import DNICommandLine
import Testing

/// `dni bench conv` parses its options and rejects bad ones as bad input (status 2).
@Suite struct ConvolutionBenchCommandTests {
    @Test func badOptionsAreBadInput() {
        #expect(DNICommand.run(arguments: ["bench", "conv", "--repeat", "0"]) == 2)
        #expect(DNICommand.run(arguments: ["bench", "conv", "--threads", "0"]) == 2)
        #expect(DNICommand.run(arguments: ["bench", "conv", "--steps", "0"]) == 2)
        #expect(DNICommand.run(arguments: ["bench", "conv", "--batch-sizes", "64,x"]) == 2)
        #expect(DNICommand.run(arguments: ["bench", "conv", "--batch-sizes", "0"]) == 2)
    }

    @Test func helpSucceeds() {
        #expect(DNICommand.run(arguments: ["bench", "conv", "--help"]) == 0)
    }
}
