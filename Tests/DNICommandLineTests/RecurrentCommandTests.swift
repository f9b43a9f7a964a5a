import DNICommandLine
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dni train` on the recurrent tasks: the summary line's fields, `bptt` as backprop's name, and
/// bad input as exit status 2. Output is captured (standard output and error go to a temporary
/// file during the run), so nothing is printed into the test log.
@Suite(.serialized) struct RecurrentCommandTests {
    /// Runs `arguments` with standard output and error redirected; returns (status, output).
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dni-recurrent-\(UInt32.random(in: 0...UInt32.max)).txt")
        let descriptor = open(url.path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        try #require(descriptor >= 0)
        fflush(nil)
        let savedOut = dup(1), savedError = dup(2)
        dup2(descriptor, 1); dup2(descriptor, 2)
        let status = DNICommand.run(arguments: arguments)
        fflush(nil)
        dup2(savedOut, 1); dup2(savedError, 2)
        close(savedOut); close(savedError); close(descriptor)
        defer { try? FileManager.default.removeItem(at: url) }
        return (status, try String(contentsOf: url, encoding: .utf8))
    }

    static func summary(_ output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last { $0.contains("\"event\":\"summary\"") })
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test(arguments: ["bptt", "dni"])
    func copySummaryHasMaxLengthSolvedAndSteps(_ method: String) throws {
        let (status, output) = try Self.run(["train", "--task", "copy", "--method", method, "--truncation", "3",
                                             "--hidden", "16", "--batch-size", "8", "--steps", "50",
                                             "--probe-every", "25", "--json"])
        #expect(status == 0, "\(output)")
        let summary = try Self.summary(output)
        #expect(summary["task"] as? String == "copy")
        #expect(summary["method"] as? String == (method == "bptt" ? "backprop" : "dni"))
        #expect(summary["steps"] as? Int == 50)
        #expect(summary["max_length_solved"] is Int)
        #expect(output.contains("\"event\":\"probe\"") && output.contains("\"cell_norm\""))
        if method == "dni" { #expect(output.contains("\"cosine\"")) }
    }

    @Test func textSummaryHasTestBitsPerCharacter() throws {
        let (status, output) = try Self.run(["train", "--task", "text", "--method", "bptt", "--hidden", "16",
                                             "--batch-size", "8", "--truncation", "4", "--steps", "40", "--json"])
        #expect(status == 0, "\(output)")
        let summary = try Self.summary(output)
        #expect(summary["task"] as? String == "text")
        let bpc = try #require(summary["test_bpc"] as? Double)
        #expect(bpc > 0 && bpc < 8)
        #expect(summary["steps"] as? Int == 40)
    }

    @Test func repeatCopyRuns() throws {
        let (status, output) = try Self.run(["train", "--task", "repeat-copy", "--method", "dni", "--hidden", "16",
                                             "--batch-size", "8", "--steps", "30", "--json"])
        #expect(status == 0, "\(output)")
        #expect(try Self.summary(output)["task"] as? String == "repeat-copy")
    }

    @Test(arguments: [
        ["train", "--task", "copy", "--truncation", "0"],
        ["train", "--task", "copy", "--method", "fa"],
        ["train", "--task", "copy", "--bits", "4"],
        ["train", "--task", "copy", "--hidden", "12,3"],
        ["train", "--task", "copy", "--synthetic-gradient-scale", "-1"],
        ["train", "--task", "copy", "--max-repeats", "2"],
        ["train", "--task", "copy", "--data", "/tmp"],
        ["train", "--task", "text", "--data", "/nonexistent/dni.txt"],
        ["train", "--task", "text", "--patience", "0"],
    ])
    func badInputExitsWithTwo(_ arguments: [String]) throws {
        let (status, output) = try Self.run(arguments)
        #expect(status == 2, "\(arguments): \(output)")
        #expect(output.hasPrefix("dni: ") && output.split(separator: "\n").count == 1, "\(output)")
    }
}
