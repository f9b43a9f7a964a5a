import DNICommandLine
import Foundation
import Testing

/// `dni compare` on the recurrent tasks: the method × T table, the truncation list (recurrent
/// tasks only, compare only), and a report that draws the curriculum curves (output captured).
@Suite struct RecurrentCompareCommandTests {
    static let small = ["--hidden", "12", "--batch-size", "4", "--steps", "40", "--report-every", "10"]

    /// The text table has one row per method and T, with max_length_solved and the windows trained.
    @Test func tablePrintsMethodByTruncation() throws {
        let run = CapturedRun(["compare", "--task", "copy", "--truncation", "2,3", "--methods", "bptt,dni"] + Self.small)
        #expect(run.status == 0, "\(run.standardError)")
        let header = try #require(run.lines.firstIndex { $0.hasPrefix("method") && $0.contains("max_length_solved") })
        #expect(run.lines[header].contains("steps") && run.lines[header].contains(" T "))
        let rows = run.lines[(header + 2)...].prefix(4).map { $0.split(separator: " ").map(String.init) }
        #expect(rows.map { $0.prefix(2).joined(separator: " ") } == ["backprop 2", "dni 2", "backprop 3", "dni 3"])
        for row in rows {
            #expect(row.count == 6, "\(row)")  // method, T, seeds, max_length_solved, steps, seconds
            #expect(row[2] == "1" && Int(row[3]) != nil && row[4] == "40", "\(row)")
        }
        // Text lines name the truncation of each run.
        #expect(run.lines.contains { $0.hasPrefix("dni T=3 window 40:") })
    }

    /// Over seeds a cell is the mean followed by every seed's value; DNI + Aux is its own row.
    @Test func tableOverSeedsWithAuxiliary() throws {
        let run = CapturedRun(["compare", "--task", "copy", "--truncation", "3", "--methods", "dni", "--aux",
                               "--seeds", "1,2"] + Self.small)
        #expect(run.status == 0, "\(run.standardError)")
        let row = try #require(run.lines.first { $0.hasPrefix("dni+aux ") && !$0.contains("window") })
        #expect(row.contains(" 1,2 ") && row.contains("("), "\(row)")
        #expect(run.standardOutput.contains("mean over the seeds"))
    }

    /// The same-norm noise control is its own row, `dni+noise`, beside BPTT (which it leaves alone).
    @Test func noiseControlIsItsOwnRow() throws {
        let run = CapturedRun(["compare", "--task", "copy", "--truncation", "3", "--methods", "bptt,dni",
                               "--synthetic-gradient-noise"] + Self.small)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.lines.contains { $0.hasPrefix("dni+noise ") && !$0.contains("window") }, "\(run.standardOutput)")
        #expect(run.lines.contains { $0.hasPrefix("backprop ") && !$0.contains("window") }, "\(run.standardOutput)")
    }

    /// The report holds the curriculum chart with one line per method and T, the probes' state
    /// diagnostics (‖c‖, saturated forget gates) and DNI's cosine, and the table's
    /// max_length_solved column.
    @Test func reportDrawsCurriculumCurvesAndProbes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-recurrent-compare-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.html").path
        let run = CapturedRun(["compare", "--task", "copy", "--truncation", "2,3", "--methods", "bptt,dni",
                               "--report", path, "--probe-every", "20"] + Self.small)
        #expect(run.status == 0, "\(run.standardError)")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        for title in ["Cell-state norm vs window", "Saturated forget gates vs window", "Synthetic-gradient cosine vs window"] {
            #expect(html.contains(title), "no chart \(title)")
        }
        for name in ["backprop T=2", "dni T=3"] {
            #expect(html.contains("\(name) — window 40: ‖c‖"), "no ‖c‖ point for \(name)")
        }
        #expect(html.contains("dni T=3, stage 1 — window 20: cosine"))
        #expect(!html.contains("Training step"))  // every chart's x axis counts windows
        #expect(!html.contains("backprop T=2, stage 1"))  // BPTT has no synthetic gradient
        #expect(html.contains("<title>copy: backprop vs dni, T = 2, 3</title>"))
        #expect(html.contains("Curriculum: largest length solved vs window"))
        #expect(html.contains("Training window"))
        for name in ["backprop T=2", "dni T=2", "backprop T=3", "dni T=3"] {
            #expect(html.contains("\(name) — window 40: largest length solved"), "no curve point for \(name)")
        }
        #expect(html.contains("max length solved"))
    }

    /// JSON report lines name the truncation and carry the curriculum as numbers.
    @Test func jsonReportLinesCarryTheCurriculum() throws {
        let run = CapturedRun(["compare", "--task", "copy", "--truncation", "2,3", "--methods", "dni", "--json"] + Self.small)
        #expect(run.status == 0, "\(run.standardError)")
        let reports = run.lines.filter { $0.contains("\"event\":\"report\"") }
        #expect(reports.count == 8)
        #expect(reports.allSatisfy { $0.contains("\"max_length_solved\":") && $0.contains("\"curriculum_length\":") })
        #expect(reports.contains { $0.contains("\"truncation\":2") } && reports.contains { $0.contains("\"truncation\":3") })
    }

    @Test(arguments: [
        ["train", "--task", "copy", "--truncation", "2,3"],
        ["compare", "--task", "addition", "--truncation", "2,3"],
        ["train", "--task", "addition", "--truncation", "3"],
        ["compare", "--task", "copy", "--truncation", "3,3"],
        ["compare", "--task", "copy", "--truncation", "2,x"],
        ["train", "--task", "mnist", "--aux"],
        ["train", "--task", "copy", "--method", "bptt", "--aux"],
        ["train", "--task", "copy", "--method", "dni", "--aux-weight", "2"],
        ["train", "--task", "copy", "--method", "dni", "--aux", "--aux-weight", "-1"],
        ["train", "--task", "mnist", "--synthetic-gradient-noise"],
        ["train", "--task", "copy", "--method", "bptt", "--synthetic-gradient-noise"],
    ])
    func badTruncationOrAuxiliaryExitsWithTwo(_ arguments: [String]) {
        let run = CapturedRun(arguments + ["--steps", "2"])
        #expect(run.status == 2, "\(arguments): \(run.standardError)")
        #expect(run.standardError.hasPrefix("dni: "), "\(run.standardError)")
    }
}
