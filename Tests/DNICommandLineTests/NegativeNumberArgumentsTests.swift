@testable import DNICommandLine
import Testing

/// `--flag -1` reaches the flag as its value (the parser would take `-1` for another flag).
@Suite struct NegativeNumberArgumentsTests {
    @Test(arguments: [
        (["train", "--epochs", "-1"], ["train", "--epochs=-1"]),
        (["--learning-rate", "-0.5", "--json"], ["--learning-rate=-0.5", "--json"]),
        (["--learning-rate", "-.5"], ["--learning-rate=-.5"]),
        (["--learning-rate", "-1e9"], ["--learning-rate=-1e9"]),
        (["--learning-rate", "-inf"], ["--learning-rate=-inf"]),
        (["--epochs=-1"], ["--epochs=-1"]),
        (["--epochs", "-h"], ["--epochs", "-h"]),
        (["--epochs", "-", "x"], ["--epochs", "-", "x"]),
        (["-h", "-1"], ["-h", "-1"]),
        (["report", "--", "--out", "-1"], ["report", "--", "--out", "-1"]),
        (["--epochs", "3"], ["--epochs", "3"]),
    ])
    func joinsOnlyAFlagAndTheNegativeNumberAfterIt(_ arguments: [String], _ expected: [String]) {
        #expect(NegativeNumberArguments.joined(arguments) == expected)
    }
}
