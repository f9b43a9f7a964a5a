import DNICommandLine
import Foundation
import Testing

/// `dni report`: writes the page, and bad input is exit status 2 (docs/errors.md).
@Suite struct ReportCommandTests {
    /// A fresh directory holding `files`, removed by the caller.
    static func directory(with files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dni-report-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    static let goodLines = """
        {"event":"epoch","epoch":1,"train_loss":0.5,"test_accuracy":0.8}
        {"event":"epoch","epoch":2,"train_loss":0.3,"test_accuracy":0.9}
        {"event":"summary","method":"dni","epochs":2}

        """

    @Test func writesTheReport() throws {
        let directory = try Self.directory(with: ["dni.jsonl": Self.goodLines])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("report.html").path
        let run = CapturedRun([
            "report", directory.appendingPathComponent("dni.jsonl").path, "--out", output, "--title", "Two epochs",
        ])
        #expect(run.status == 0)
        // Like `compare --report`, it says where the page went.
        #expect(run.standardOutput == "report: \(output)\n")
        let html = try String(contentsOfFile: output, encoding: .utf8)
        #expect(html.contains("<h1>Two epochs</h1>"))
        #expect(html.contains("<svg"))
    }

    @Test func malformedInputIsExitStatusTwo() throws {
        let directory = try Self.directory(with: ["bad.jsonl": Self.goodLines + "{oops\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("report.html").path
        let run = CapturedRun(["report", directory.appendingPathComponent("bad.jsonl").path, "--out", output])
        #expect(run.status == 2)
        #expect(run.standardError.hasPrefix("dni: "))
        #expect(run.standardOutput.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func missingFilesAndFlagsAreExitStatusTwo() throws {
        #expect(CapturedRun(["report", "/no/such.jsonl", "--out", "/tmp/never.html"]).status == 2)
        #expect(CapturedRun(["report", "--out", "/tmp/never.html"]).status == 2)
        let directory = try Self.directory(with: ["dni.jsonl": Self.goodLines])
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("dni.jsonl").path
        #expect(CapturedRun(["report", input]).status == 2)
        #expect(CapturedRun(["report", input, "--out", "/no/such/dir/r.html"]).status == 2)
        #expect(CapturedRun(["report", input, "--out", "/tmp/never.html", "--y-scale", "cubic"]).status == 2)
    }
}
