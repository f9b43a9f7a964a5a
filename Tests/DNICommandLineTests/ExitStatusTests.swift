import DNICommandLine
import Testing

/// DESIGN.md §4: bad input exits 2 with one line; success exits 0.
@Suite struct ExitStatusTests {
    @Test(arguments: [
        ["info", "--no-such-flag"],
        ["train", "--bits", "0"],
        ["train", "--hidden", "12,-3"],
        ["train", "--hidden", "12,,3"],
        ["train", "--batch-size", "5000", "--examples", "100"],
        ["train", "--method", "magic"],
        ["train", "--epochs", "0"],
        ["train", "--learning-rate", "-1"],
        ["train", "--update-probability", "1.5"],
        ["compare", "--methods", "backprop,nope"],
    ])
    func badInputExitsWithTwo(_ arguments: [String]) {
        #expect(DNICommand.run(arguments: arguments) == 2, "\(arguments)")
    }

    @Test func infoSucceeds() {
        #expect(DNICommand.run(arguments: ["info"]) == 0)
    }

    @Test func smallTrainingRunSucceeds() {
        let arguments = ["train", "--bits", "3", "--examples", "64", "--test-examples", "16",
                         "--hidden", "8", "--batch-size", "8", "--epochs", "1", "--json"]
        #expect(DNICommand.run(arguments: arguments) == 0)
    }

    @Test func helpSucceeds() {
        #expect(DNICommand.run(arguments: ["train", "--help"]) == 0)
    }
}
