import DNICommandLine
import Testing

@Suite struct ExitStatusTests {
    @Test func unknownFlagIsBadInput() {
        #expect(DNICommand.run(arguments: ["info", "--no-such-flag"]) == 2)
    }

    @Test func infoSucceeds() {
        #expect(DNICommand.run(arguments: ["info"]) == 0)
    }
}
