import Foundation
import Testing
@testable import DNIReports

/// Recurrent runs' JSON Lines (`dni train|compare --task copy --json`): report lines become
/// window records named by method and truncation, recurrent probes become state records (‖c‖,
/// saturated forget gates) and, for DNI, cosine probes, and the report draws all of them.
@Suite struct RecurrentMetricsTests {
    /// Two truncations of DNI (one with Aux) and BPTT, as `dni compare --truncation 2,3 --json` writes them.
    static let lines = """
    {"event":"data","task":"copy","source":"generated"}
    {"event":"report","method":"backprop","truncation":2,"window":10,"train_loss":0.7,"curriculum_length":1,"max_length_solved":0,"seconds":0.1}
    {"event":"report","method":"backprop","truncation":2,"window":20,"train_loss":0.6,"curriculum_length":2,"max_length_solved":1,"seconds":0.2}
    {"event":"probe","method":"backprop","truncation":2,"window":20,"cell_norm":1.5,"saturated_forget_fraction":0,"true_gradient_norm":0.3,"horizon":4}
    {"event":"summary","task":"copy","method":"backprop","seed":1,"train_loss":0.6,"test_loss":2.1,"test_accuracy":0.3,"seconds":0.2,"delay":1,"hidden":12,"max_length_solved":1,"steps":20,"truncation":2}
    {"event":"report","method":"dni","truncation":3,"auxiliary":true,"window":10,"train_loss":0.5,"auxiliary_loss":0.01,"curriculum_length":2,"max_length_solved":1,"seconds":0.1}
    {"event":"probe","method":"dni","truncation":3,"auxiliary":true,"window":10,"cell_norm":1.2,"cosine":0.25,"norm_ratio":0.1,"true_gradient_norm":0.3,"horizon":4}
    {"event":"summary","task":"copy","method":"dni","seed":1,"train_loss":0.5,"test_loss":1.9,"test_accuracy":0.4,"seconds":0.1,"auxiliary_weight":1,"max_length_solved":1,"steps":10,"truncation":3}
    """

    @Test func reportLinesBecomeWindowRecords() throws {
        let runs = try MetricsReader.read(text: Self.lines, source: "copy.jsonl")
        #expect(runs.map(\.name) == ["backprop T=2", "dni+aux T=3"])
        #expect(runs[0].windows.map(\.window) == [10, 20])
        #expect(runs[0].windows.map { $0.fields["max_length_solved"] } == [0, 1])
        #expect(runs[0].probes.isEmpty)  // a BPTT probe has no cosine
        #expect(runs[1].probes == [ProbeRecord(step: 10, stage: 1, cosine: 0.25, normRatio: 0.1)])
        // Every probe keeps the core's state by window, BPTT's too; the run's settings are left out.
        #expect(runs[0].stateProbes == [WindowRecord(
            window: 20, fields: ["cell_norm": 1.5, "saturated_forget_fraction": 0, "true_gradient_norm": 0.3])])
        #expect(runs[1].stateProbes.map(\.window) == [10])
        #expect(runs[1].stateProbes.first?.fields["cell_norm"] == 1.2)
        #expect(runs[1].summary?.extraFields["steps"] == 10)
        #expect(runs[0].summary?.extraFields.keys.sorted() == ["max_length_solved", "steps", "truncation"])
    }

    @Test func reportDrawsTheCurriculum() throws {
        let runs = try MetricsReader.read(text: Self.lines, source: "copy.jsonl")
        let report = HTMLReport(runs: runs, title: "copy")
        let captions = report.figures().map(\.caption)
        #expect(captions.first?.hasPrefix("Curriculum:") == true)
        let chart = try #require(report.figures().first?.chart)
        #expect(chart.series.map(\.label) == ["backprop T=2", "dni+aux T=3"])
        // Each curve starts at (0, 0) and follows the report lines.
        #expect(chart.series[0].points.map(\.x) == [0, 10, 20] && chart.series[0].points.map(\.y) == [0, 0, 1])
        let html = report.render()
        #expect(html.contains("dni+aux T=3 — window 10: largest length solved 1"))
        // The state diagnostics: ‖c‖ for both runs, the saturated forget gates where recorded (in %).
        let figures = report.figures()
        let cellNorm = try #require(figures.first { $0.chart.title == "Cell-state norm vs window" })
        #expect(cellNorm.chart.series.map(\.label) == ["backprop T=2", "dni+aux T=3"])
        #expect(cellNorm.chart.series.map { $0.points.map(\.y) } == [[1.5], [1.2]])
        let saturated = try #require(figures.first { $0.chart.title == "Saturated forget gates vs window" })
        #expect(saturated.chart.series.map(\.label) == ["backprop T=2"])
        #expect(html.contains("backprop T=2 — window 20: ‖c‖ 1.5"))
        #expect(!html.contains("<th>Epochs</th>"))  // recurrent runs count windows
    }

    /// The table counts windows: windows per second instead of samples, a run without a summary
    /// (stopped by a check) shows its last report line and is named in a note, and runs over
    /// seeds get the mean ± standard deviation of their lengths solved.
    @Test func tableShowsWindowsStoppedRunsAndSeedSpreads() throws {
        let text = """
        {"event":"summary","task":"copy","method":"dni","seed":1,"train_loss":0.5,"test_loss":1.9,"test_accuracy":0.4,"seconds":50,"samples_per_second":128,"max_length_solved":4,"steps":100,"truncation":3}
        {"event":"summary","task":"copy","method":"dni","seed":2,"train_loss":0.4,"test_loss":1.8,"test_accuracy":0.5,"seconds":40,"samples_per_second":160,"max_length_solved":5,"steps":100,"truncation":3}
        {"event":"report","method":"dni","seed":1,"truncation":3,"window":100,"train_loss":0.5,"max_length_solved":4,"seconds":50}
        {"event":"report","method":"dni","seed":2,"truncation":3,"window":100,"train_loss":0.4,"max_length_solved":5,"seconds":40}
        {"event":"report","method":"dni","truncation":4,"auxiliary":true,"window":30,"train_loss":0.9,"max_length_solved":2,"curriculum_length":3,"seconds":0.3}
        """
        let runs = try MetricsReader.read(text: text, source: "copy.jsonl")
        let stopped = try #require(runs.first { $0.name == "dni+aux T=4" })
        #expect(stopped.summary == nil)
        #expect(HTMLReport.finalExtraFields(of: stopped) == ["max_length_solved": 2, "steps": 30, "truncation": 4])
        #expect(HTMLReport.finalTrainLoss(of: stopped) == 0.9)
        let html = HTMLReport(runs: runs, title: "copy").render()
        #expect(html.contains("<th>Windows/s</th>") && !html.contains("<th>Samples/s</th>"))
        #expect(html.contains("<td>2.0</td>") && html.contains("<td class=\"best\">2.5</td>"))  // 100 windows in 50 s and 40 s
        #expect(html.contains("No summary line (stopped, or not finished): dni+aux T=4 at window 30."))
        #expect(html.contains("<th>max length solved</th>") && html.contains("4.50 ± 0.71"))
        #expect(!html.contains("<h2>Over seeds</h2>\n<div class=\"table-scroll\"><table>\n<thead><tr><th>Method</th><th>Runs</th><th>Seeds</th><th>Test error"))
    }
}
