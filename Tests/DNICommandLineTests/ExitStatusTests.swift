import DNICommandLine
import Testing

/// docs/errors.md: bad input exits 2 with one line; success exits 0.
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
        ["compare", "--seeds", "1,x"],
        ["compare", "--seeds", "1,1"],
        ["train", "--probe-every", "-1"],
        ["train", "--task", "mnist", "--examples", "5001"],
    ])
    func badInputExitsWithTwo(_ arguments: [String]) {
        let run = CapturedRun(arguments)
        #expect(run.status == 2, "\(arguments)")
        // One line on standard error, nothing on standard output.
        #expect(run.standardError.hasPrefix("dni: ") && run.standardError.filter { $0 == "\n" }.count == 1, "\(run.standardError)")
        #expect(run.standardOutput.isEmpty)
    }

    @Test func infoSucceeds() {
        #expect(CapturedRun(["info"]).status == 0)
    }

    @Test func smallTrainingRunSucceeds() {
        let arguments = ["train", "--bits", "3", "--examples", "64", "--test-examples", "16",
                         "--hidden", "8", "--batch-size", "8", "--epochs", "1", "--json"]
        #expect(CapturedRun(arguments).status == 0)
    }

    @Test func helpSucceeds() {
        #expect(CapturedRun(["train", "--help"]).status == 0)
    }
}
