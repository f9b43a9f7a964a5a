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

    /// `--synthesizer-rank` trains and says so in the resolved configuration.
    @Test func factoredSynthesizerRunsAndIsInTheConfiguration() throws {
        let arguments = ["train", "--task", "copy", "--method", "dni", "--synthesizer-rank", "4", "--hidden", "16",
                         "--batch-size", "8", "--steps", "30", "--json"]
        let run = CapturedRun(arguments)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try Self.summary(run)["steps"] as? Int == 30)
        let config = CapturedRun(arguments + ["--print-config"])
        #expect(config.status == 0, "\(config.standardError)")
        #expect(config.standardOutput.contains("\"rank\":4") || config.standardOutput.contains("\"rank\": 4"), "\(config.standardOutput)")
    }

    /// `--record-injected-norms` writes a file that `--noise-norms` replays; bad uses exit 2.
    @Test func injectedNormsRoundTrip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-norms-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("norms.dni").path
        let common = ["train", "--task", "copy", "--method", "dni", "--hidden", "16", "--batch-size", "8", "--steps", "40", "--json"]
        let record = CapturedRun(common + ["--record-injected-norms", path])
        #expect(record.status == 0, "\(record.standardError)")
        let replay = CapturedRun(common + ["--synthetic-gradient-noise", "--noise-norms", path])
        #expect(replay.status == 0, "\(replay.standardError)")
        #expect(try Self.summary(replay)["noise_norms_replayed"] as? Int == 1)
        for arguments in [
            common + ["--synthetic-gradient-noise", "--noise-norms", path, "--steps", "41"],  // too few windows
            common + ["--synthetic-gradient-noise", "--noise-norms", path, "--batch-size", "4"],
            common + ["--noise-norms", path],  // without the control
            common + ["--synthetic-gradient-noise", "--noise-norms", directory.appendingPathComponent("missing").path],
            common + ["--record-injected-norms", path, "--checkpoint", directory.appendingPathComponent("c.dni").path],
            ["compare", "--task", "copy", "--methods", "bptt,dni", "--hidden", "16", "--steps", "10", "--record-injected-norms", path],
        ] {
            let run = CapturedRun(arguments)
            #expect(run.status == 2, "\(arguments): \(run.standardError)")
            #expect(run.standardError.hasPrefix("dni: ") && run.standardError.split(separator: "\n").count == 1, "\(run.standardError)")
        }
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
        ["train", "--task", "copy", "--method", "bptt", "--synthesizer-rank", "8"],
        ["train", "--task", "copy", "--method", "dni", "--synthesizer-rank", "0"],
        ["train", "--task", "copy", "--method", "dni", "--hidden", "4", "--synthesizer-rank", "9"],
        ["train", "--task", "copy", "--method", "dni", "--synthesizer-rank", "8", "--synthesizer-hidden-layers", "1"],
        ["train", "--task", "mnist", "--synthesizer-rank", "8"],
    ])
    func badInputExitsWithTwo(_ arguments: [String]) {
        let run = CapturedRun(arguments)
        #expect(run.status == 2, "\(arguments): \(run.standardError)")
        #expect(run.standardError.hasPrefix("dni: ") && run.standardError.split(separator: "\n").count == 1,
                "\(run.standardError)")
        #expect(run.standardOutput.isEmpty, "\(run.standardOutput)")
    }
}
