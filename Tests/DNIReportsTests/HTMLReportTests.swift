import Foundation
import Testing
@testable import DNIReports

/// The HTML page: self-contained, escaped, one SVG per chart, byte-for-byte deterministic.
@Suite struct HTMLReportTests {
    static func fixtureRuns() throws -> [RunRecord] {
        try MetricsReader.read(text: try Fixture.compareAddition, source: "compare-addition.jsonl")
    }

    /// Two small runs, one with probes: enough to draw every chart.
    static let smallRuns = [
        RunRecord(
            name: "backprop",
            epochs: [
                EpochRecord(epoch: 1, trainLoss: 0.6, testAccuracy: 0.8),
                EpochRecord(epoch: 2, trainLoss: 0.3, testAccuracy: 0.9),
                EpochRecord(epoch: 3, trainLoss: 0.1, testAccuracy: 0.95),
            ],
            summary: RunSummary(task: "addition", epochs: 3, trainLoss: 0.1, testAccuracy: 0.95, seconds: 1.5)),
        RunRecord(
            name: "dni",
            epochs: [
                EpochRecord(epoch: 1, trainLoss: 0.7, testAccuracy: 0.7),
                EpochRecord(epoch: 2, trainLoss: 0.4, testAccuracy: 0.85),
                EpochRecord(epoch: 3, trainLoss: 0.2, testAccuracy: 0.9),
            ],
            probes: [
                ProbeRecord(step: 100, stage: 1, cosine: 0.1, normRatio: 0.2),
                ProbeRecord(step: 200, stage: 1, cosine: 0.5, normRatio: 0.6),
                ProbeRecord(step: 100, stage: 2, cosine: 0.2, normRatio: 0.3),
                ProbeRecord(step: 200, stage: 2, cosine: 0.7, normRatio: 0.9),
            ]),
    ]

    static func count(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func fixtureReportHasOneSVGPerChart() throws {
        let report = HTMLReport(runs: try Self.fixtureRuns(), title: "Addition")
        let html = report.render()
        #expect(report.figures().count == 4)
        #expect(Self.count(of: "<svg", in: html) == 4)
        #expect(Self.count(of: "</svg>", in: html) == 4)
        #expect(Self.count(of: "<figure>", in: html) == 4)
        for caption in ["Training loss per epoch", "Test error per epoch (%)", "Synthetic-gradient cosine vs step",
                        "Synthetic-gradient norm ratio vs step"] {
            #expect(html.contains(caption))
        }
    }

    @Test func runsWithoutProbesHaveNoProbeCharts() {
        let runs = [Self.smallRuns[0]]
        let html = HTMLReport.render(runs: runs, title: "No probes")
        #expect(Self.count(of: "<svg", in: html) == 2)
        #expect(!html.contains("cosine"))
    }

    @Test func runsWithOnlyASummaryHaveATableAndNoCharts() {
        let runs = [RunRecord(name: "eval", summary: RunSummary(testAccuracy: 0.9))]
        let html = HTMLReport.render(runs: runs, title: "Summary only")
        #expect(Self.count(of: "<svg", in: html) == 0)
        #expect(html.contains("<td>90.00</td>"))
    }

    @Test func reportIsSelfContained() throws {
        let html = HTMLReport(runs: try Self.fixtureRuns()).render()
        let lowered = html.lowercased()
        for forbidden in ["src=", "href=", "<script", "<link", "@import", "url(http", "<img", "<iframe"] {
            #expect(!lowered.contains(forbidden), "found \(forbidden)")
        }
        // The only URLs are the SVG namespace and in-document clip-path references.
        let urls = lowered.components(separatedBy: "http").dropFirst()
        #expect(urls.allSatisfy { $0.hasPrefix("://www.w3.org/2000/svg\"") })
    }

    @Test func textIsEscaped() {
        var runs = Self.smallRuns
        runs[1].name = #"<b>&"dni'"#
        let html = HTMLReport.render(runs: runs, title: "A <title> & \"quotes\"")
        #expect(!html.contains("<b>&"))
        #expect(!html.contains(#"&""#))
        #expect(html.contains("&lt;b&gt;&amp;&quot;dni&#39;"))
        #expect(html.contains("<title>A &lt;title&gt; &amp; &quot;quotes&quot;</title>"))
        // In the table, the legends and the tooltips.
        #expect(Self.count(of: "&lt;b&gt;&amp;&quot;dni&#39;", in: html) > 5)
    }

    @Test func outputIsDeterministic() throws {
        let first = HTMLReport(runs: try Self.fixtureRuns(), title: "Addition").render()
        let second = HTMLReport(runs: try Self.fixtureRuns(), title: "Addition").render()
        #expect(first == second)
        #expect(Array(first.utf8) == Array(second.utf8))
    }

    @Test func smallReportMatchesItsSnapshot() throws {
        // To accept a deliberate change: DNI_UPDATE_SNAPSHOTS=1 swift test --filter smallReportMatchesItsSnapshot
        let html = HTMLReport.render(runs: Self.smallRuns, title: "Snapshot")
        let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/small-report.html")
        if ProcessInfo.processInfo.environment["DNI_UPDATE_SNAPSHOTS"] == "1" {
            try html.write(to: snapshot, atomically: true, encoding: .utf8)
            return
        }
        let expected = try Fixture.text(named: "small-report.html")
        #expect(html == expected, "the report changed; see the comment above to update the snapshot")
    }

    @Test func summaryTableShowsExtraFieldsAndMarksTheBest() throws {
        let html = HTMLReport(runs: try Self.fixtureRuns()).render()
        #expect(html.contains("<th>test exact</th>"))
        #expect(html.contains("<th>Samples/s</th>"))
        #expect(html.contains("<td class=\"best\">99.04</td>"))
        #expect(html.contains("<td class=\"best\">0.96</td>"))
    }

    @Test func lossChartGoesLogWhenAsked() {
        let linear = HTMLReport(runs: Self.smallRuns, lossScale: .automatic).figures()[0].chart
        let logarithmic = HTMLReport(runs: Self.smallRuns, lossScale: .logarithmic).figures()[0].chart
        #expect(!linear.usesLogarithmicScale)
        #expect(logarithmic.usesLogarithmicScale)
        #expect(logarithmic.svg(identifier: "f").contains("(log scale)"))
    }

    @Test func everyPointHasATooltip() {
        let chart = HTMLReport(runs: Self.smallRuns).figures()[0].chart
        let svg = chart.svg(identifier: "f")
        #expect(Self.count(of: "<circle", in: svg) == 6 + 2)  // 6 points and 2 legend markers
        #expect(svg.contains("<title>dni — epoch 2: training loss 0.4</title>"))
    }

    @Test func writesAtomically() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("report.html").path
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        let report = HTMLReport(runs: Self.smallRuns, title: "Written")
        try report.writeAtomically(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == report.render())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.html"])
    }

    @Test func writingIntoAMissingDirectoryFails() {
        let error = #expect(throws: ReportWriteError.self) {
            try HTMLReport(runs: Self.smallRuns).writeAtomically(to: "/no/such/directory/report.html")
        }
        #expect(error?.description.hasPrefix("cannot write /no/such/directory/report.html") == true)
    }
}
