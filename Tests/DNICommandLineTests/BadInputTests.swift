import DNI
import Foundation
import Testing

/// docs/errors.md: every bad input is exit status 2 with one line on standard error naming the
/// flag or file and the problem, and nothing on standard output. Each row of that table names
/// the test here that checks it.
@Suite struct BadInputTests {
    /// Runs `dni arguments` and checks the docs/errors.md contract for bad input.
    static func expectBadInput(_ arguments: [String], saying expected: String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try DNIProcess.run(arguments)
        #expect(outcome.status == 2, "\(arguments): status \(outcome.status)", sourceLocation: sourceLocation)
        #expect(!outcome.killedBySignal, sourceLocation: sourceLocation)
        #expect(outcome.errorLines.count == 1, "\(arguments): \(outcome.standardError)", sourceLocation: sourceLocation)
        #expect(outcome.problems.hasPrefix("dni: "), sourceLocation: sourceLocation)
        #expect(outcome.problems.contains(expected), "\(outcome.standardError)", sourceLocation: sourceLocation)
        #expect(outcome.standardOutput.isEmpty, "\(outcome.standardOutput)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        (["train", "--epochs", "-1"], "--epochs must be at least 1, got -1"),
        (["train", "--learning-rate", "-0.5"], "--learning-rate must be positive, got -0.5"),
        (["train", "--synthesizer-learning-rate", "-1e-3"], "--synthesizer-learning-rate must be positive"),
        (["train", "--learning-rate", "-inf"], "--learning-rate must be positive, got -inf"),
        (["train", "--batch-size", "-16"], "--batch-size must be at least 1, got -16"),
        (["train", "--update-probability", "-0.5"], "--update-probability must be in (0, 1], got -0.5"),
        (["compare", "--epochs", "-3"], "--epochs must be at least 1, got -3"),
    ])
    func negativeNumbersSayWhatIsWrongWithTheNumber(_ arguments: [String], _ expected: String) throws {
        try Self.expectBadInput(arguments, saying: expected)
    }

    @Test(arguments: [
        (["train", "--task", "mnist", "--hidden", "100000000"], "--hidden 100000000 --layers 3"),
        (["train", "--task", "mnist", "--hidden", "20000", "--layers", "16"], "--hidden 20000 --layers 16"),
        (["train", "--hidden", "100000,100000"], "--hidden 100000,100000"),
        (["train", "--examples", "100000000000"], "--examples 100000000000"),
        (["train", "--test-examples", "100000000000"], "--test-examples 100000000000"),
        (["train", "--method", "dni", "--synthesizer-hidden-layers", "2", "--synthesizer-hidden-size", "10000000"],
         "--synthesizer-hidden-size 10000000"),
        (["train", "--task", "mnist", "--hidden", "9223372036854775807"], "--hidden 9223372036854775807"),
    ])
    func sizeFlagsAreBoundedByTheMemoryTheyWouldNeed(_ arguments: [String], _ expected: String) throws {
        try Self.expectBadInput(arguments, saying: expected)
        let outcome = try DNIProcess.run(arguments)
        #expect(outcome.problems.contains("GB of memory, more than this machine's"))
    }

    @Test func flagsWithFixedRangesSayTheRange() throws {
        try Self.expectBadInput(["train", "--task", "mnist", "--layers", "17"], saying: "--layers must be in 1...16, got 17")
        try Self.expectBadInput(["train", "--synthesizer-hidden-layers", "9"], saying: "--synthesizer-hidden-layers must be in 0...8")
        try Self.expectBadInput(["train", "--bits", "31"], saying: "--bits must be in 1...30, got 31")
        try Self.expectBadInput(["train", "--threads", "1000"], saying: "--threads must be in 1...256, got 1000")
        try Self.expectBadInput(["train", "--task", "mnist", "--batch-size", "100000"], saying: "--batch-size 100000 is larger than the training set")
    }

    @Test func testExamplesIsRefusedWhereTheWholeTestSetIsUsed() throws {
        try Self.expectBadInput(["train", "--task", "mnist", "--test-examples", "500"],
                                saying: "--test-examples applies to --task addition; --task mnist tests on its whole test set")
        try Self.expectBadInput(["compare", "--task", "mnist", "--test-examples", "500"], saying: "--test-examples applies to --task addition")
    }

    @Test func duplicateMethodsAreRejected() throws {
        try Self.expectBadInput(["compare", "--methods", "dni,backprop,dni"], saying: "--methods: 'dni' is listed twice")
        try Self.expectBadInput(["compare", "--methods", "cdni, cdni"], saying: "--methods: 'cdni' is listed twice")
    }

    @Test func anUnwritableReportIsRejectedBeforeTraining() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        // Default settings train addition for 80 epochs (seconds): an answer before any epoch
        // line shows the check comes first, and `expectBadInput` checks there is no output.
        try Self.expectBadInput(["compare", "--report", directory.path + "/missing/report.html"],
                                saying: "--report \(directory.path)/missing/report.html: no such directory")
        try Self.expectBadInput(["compare", "--report", directory.path], saying: "is a directory, expected a file name")
        try Self.expectBadInput(["compare", "--report", file.path + "/report.html"], saying: "is not a directory")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["plain-file"])
    }
}
