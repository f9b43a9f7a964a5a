import Testing

/// A diverging run ends with exit status 1 and one line on standard error naming epoch, step,
/// stage and quantity, in text and JSON mode alike (it used to trap in the progress output with
/// 132, or exit 0 with a loss of 10¹⁹).
@Suite struct DivergenceTests {
    static let small = ["--epochs", "2", "--examples", "512"]

    @Test(arguments: [
        ["train", "--task", "mnist", "--learning-rate", "1e9"],
        ["train", "--task", "mnist", "--learning-rate", "1e9", "--json"],
        ["train", "--task", "mnist", "--method", "dni", "--learning-rate", "1e9"],
        ["train", "--task", "mnist", "--optimizer", "sgd", "--learning-rate", "100"],
        ["train", "--task", "mnist", "--optimizer", "sgd", "--learning-rate", "100", "--json"],
        ["train", "--task", "addition", "--learning-rate", "1e9"],
        ["train", "--task", "addition", "--learning-rate", "1e9", "--json"],
        ["train", "--task", "addition", "--method", "cdni", "--synthesizer-learning-rate", "1e9"],
        ["compare", "--task", "mnist", "--learning-rate", "1e9"],
        ["compare", "--task", "addition", "--learning-rate", "1e9", "--json"],
    ])
    func divergingRunsExitWithOneAndOneLine(_ arguments: [String]) throws {
        let outcome = try DNIProcess.run(arguments + Self.small)
        #expect(outcome.status == 1, "\(arguments): \(outcome.status) \(outcome.standardError)")
        #expect(!outcome.killedBySignal)
        #expect(outcome.errorLines.count == 1, "\(outcome.standardError)")
        #expect(outcome.problems.hasPrefix("dni: training failed: training diverged at epoch "))
        #expect(outcome.problems.contains("stage "))
        #expect(outcome.problems.contains("(lower the learning rate)"))
        #expect(!outcome.standardOutput.contains("summary"))
    }

    /// A learning rate of 20 saturates every sigmoid of the addition network within an epoch:
    /// the loss stays finite and bounded (no divergence) but ends above the first epoch's.
    @Test(arguments: [true, false])
    func aRunThatEndsWorseThanItBeganSaysSo(json: Bool) throws {
        let arguments = ["train", "--task", "addition", "--epochs", "4", "--examples", "256", "--test-examples", "64",
                         "--learning-rate", "20"] + (json ? ["--json"] : [])
        let outcome = try DNIProcess.run(arguments)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.errorLines.count == 1)
        #expect(outcome.problems.hasPrefix("dni: warning: backprop: the final training loss "))
        #expect(outcome.problems.contains(" is higher than the first epoch's "))
        if json {
            #expect(outcome.outputLines.last?.contains(#""train_loss_rose":true,"#) == true, "\(outcome.standardOutput)")
        }
    }
}
