import DNICommandLine
import Foundation
import Testing

/// `dni train` on the recurrent tasks: the summary line's fields, reports and probes as JSON
/// Lines, `bptt` as backprop's name, and bad input as exit status 2 (output captured).
@Suite struct RecurrentCommandTests {
    static func summary(_ run: CapturedRun) throws -> [String: Any] {
        let line = try #require(run.lines.last { $0.contains("\"event\":\"summary\"") })
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test(arguments: ["bptt", "dni"])
    func copySummaryHasMaxLengthSolvedAndSteps(_ method: String) throws {
        let run = CapturedRun(["train", "--task", "copy", "--method", method, "--truncation", "3", "--hidden", "16",
                               "--batch-size", "8", "--steps", "50", "--probe-every", "25", "--report-every", "25", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = try Self.summary(run)
        #expect(summary["task"] as? String == "copy")
        #expect(summary["method"] as? String == (method == "bptt" ? "backprop" : "dni"))
        #expect(summary["steps"] as? Int == 50)
        #expect(summary["max_length_solved"] is Int)
        #expect(run.lines.filter { $0.contains("\"event\":\"probe\"") && $0.contains("\"cell_norm\"") }.count == 2)
        #expect(run.lines.filter { $0.contains("\"event\":\"report\"") }.count == 2)
        if method == "dni" { #expect(run.standardOutput.contains("\"cosine\"")) }
    }

    @Test func textSummaryHasTestBitsPerCharacter() throws {
        let run = CapturedRun(["train", "--task", "text", "--method", "bptt", "--hidden", "16", "--batch-size", "8",
                               "--truncation", "4", "--steps", "40", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = try Self.summary(run)
        #expect(summary["task"] as? String == "text")
        let bpc = try #require(summary["test_bpc"] as? Double)
        #expect(bpc > 0 && bpc < 8)
        #expect(summary["steps"] as? Int == 40)
    }

    @Test func repeatCopyRuns() throws {
        let run = CapturedRun(["train", "--task", "repeat-copy", "--method", "dni", "--hidden", "16", "--batch-size", "8",
                               "--steps", "30", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try Self.summary(run)["task"] as? String == "repeat-copy")
    }

    @Test(arguments: [
        ["train", "--task", "copy", "--truncation", "0"],
        ["train", "--task", "copy", "--method", "fa"],
        ["train", "--task", "copy", "--bits", "4"],
        ["train", "--task", "copy", "--hidden", "12,3"],
        ["train", "--task", "copy", "--synthetic-gradient-scale", "-1"],
        ["train", "--task", "copy", "--max-repeats", "2"],
        ["train", "--task", "copy", "--data", "/tmp"],
        ["train", "--task", "copy", "--execution", "pipelined"],
        ["train", "--task", "text", "--data", "/nonexistent/dni.txt"],
        ["train", "--task", "text", "--patience", "0"],
    ])
    func badInputExitsWithTwo(_ arguments: [String]) {
        let run = CapturedRun(arguments)
        #expect(run.status == 2, "\(arguments): \(run.standardError)")
        #expect(run.standardError.hasPrefix("dni: ") && run.standardError.split(separator: "\n").count == 1,
                "\(run.standardError)")
        #expect(run.standardOutput.isEmpty, "\(run.standardOutput)")
    }
}
