import Foundation
import Testing
@testable import DNIReports

/// Runs of one method over several seeds: read apart, drawn as a mean with a min–max band,
/// summarised as mean ± sample standard deviation.
@Suite struct SeedSpreadTests {
    @Test func spreadIsMeanSampleDeviationMinimumAndMaximum() throws {
        let spread = try #require(Spread([1.69, 1.78, 1.47, 1.68, 1.66]))
        #expect(spread.count == 5)
        #expect(abs(spread.mean - 1.656) < 1e-12)
        // Σ (x − x̄)² = 0.05172; / (n − 1) = 0.01293.
        #expect(abs(spread.standardDeviation - 0.01293.squareRoot()) < 1e-12)
        #expect(spread.minimum == 1.47 && spread.maximum == 1.78)
        #expect(spread.text(decimals: 2) == "1.66 ± 0.11")
        #expect(Spread([3])?.standardDeviation == 0)
        #expect(Spread([]) == nil)
    }

    static let seedLines = """
        {"event":"data","task":"addition","source":"generated","train_examples":64}
        {"event":"epoch","method":"dni","epoch":1,"train_loss":0.5,"test_accuracy":0.6,"seed":1}
        {"event":"epoch","method":"dni","epoch":2,"train_loss":0.4,"test_accuracy":0.7,"seed":1}
        {"event":"probe","method":"dni","epoch":1,"step":4,"stage":1,"cosine":0.2,"seed":1}
        {"event":"summary","task":"addition","method":"dni","epochs":2,"seed":1,"train_loss":0.4,"test_accuracy":0.7}
        {"event":"epoch","method":"dni","epoch":1,"train_loss":0.7,"test_accuracy":0.5,"seed":2}
        {"event":"epoch","method":"dni","epoch":2,"train_loss":0.2,"test_accuracy":0.9,"seed":2}
        {"event":"probe","method":"dni","epoch":1,"step":4,"stage":1,"cosine":0.6,"seed":2}
        {"event":"summary","task":"addition","method":"dni","epochs":2,"seed":2,"train_loss":0.2,"test_accuracy":0.9}
        {"event":"aggregate","task":"addition","method":"dni","runs":2,"seeds":"1,2"}

        """

    @Test func readerKeepsOneRunPerSeed() throws {
        let runs = try MetricsReader.read(sources: [(name: "seeds.jsonl", text: Self.seedLines)])
        #expect(runs.map(\.name) == ["dni", "dni"])
        #expect(runs.map(\.seed) == [1, 2])
        #expect(runs.map(\.epochs.count) == [2, 2])
        #expect(runs.map { $0.summary?.testAccuracy } == [0.7, 0.9])
        #expect(runs[1].probes.map(\.cosine) == [0.6])
        // The seed is not an extra numeric field of the epochs.
        #expect(runs[0].epochs[0].extraFields["seed"] == nil)
    }

    @Test func aTrainFileWithSeedOnlyInItsSummaryIsOneRun() throws {
        let lines = """
            {"event":"epoch","epoch":1,"train_loss":0.5,"test_accuracy":0.6}
            {"event":"summary","task":"addition","method":"dni","epochs":1,"seed":3,"train_loss":0.5,"test_accuracy":0.6}
            """
        let runs = try MetricsReader.read(sources: [(name: "dni.jsonl", text: lines)])
        #expect(runs.count == 1)
        #expect(runs[0].seed == 3)
        #expect(runs[0].epochs.count == 1)
    }

    @Test func severalSeedsAreDrawnAsTheMeanWithAMinMaxBand() throws {
        let runs = try MetricsReader.read(sources: [(name: "seeds.jsonl", text: Self.seedLines)])
        let report = HTMLReport(runs: runs)
        let loss = report.epochChart(title: "loss", yAxisTitle: "loss", scale: .linear, quantity: "loss",
                                     value: { $0.trainLoss }, format: { "\($0)" })
        #expect(loss.series.count == 1)
        let line = loss.series[0]
        #expect(line.label == "dni (2 seeds)")
        #expect(line.points.map(\.x) == [1, 2])
        #expect(zip(line.points.map(\.y), [0.6, 0.3]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(line.band == [LineChart.BandPoint(x: 1, lower: 0.5, upper: 0.7), LineChart.BandPoint(x: 2, lower: 0.2, upper: 0.4)])
        let html = report.render()
        #expect(html.contains("<path class=\"band\""))
        #expect(html.contains("<h2>Over seeds</h2>"))
        // Test error over the seeds: 30% and 10%, mean 20, sd √200 = 14.14.
        #expect(html.contains("<td>dni</td><td>2</td><td>1, 2</td><td>20.00 ± 14.14</td>"))
        let cosine = report.probeChart(title: "cos", yAxisTitle: "cos", scale: .linear, referenceLines: [], quantity: "cosine",
                                       value: { $0.cosine })
        #expect(cosine.series.map(\.band) == [[LineChart.BandPoint(x: 4, lower: 0.2, upper: 0.6)]])
    }

    @Test func oneRunPerMethodHasNoBandAndNoSeedTable() {
        let html = HTMLReport(runs: HTMLReportTests.smallRuns).render()
        #expect(!html.contains("class=\"band\""))
        #expect(!html.contains("Over seeds"))
    }

    @Test func legendLabelsAreKeptWholeWhenTheyFit() throws {
        let style = SeriesStyle.indexed(color: 0, dash: 0)
        let point = [LineChart.Point(x: 1, y: 1, tooltip: "")]
        let long = "dni (mnist-dni-140epochs-current), stage 3"
        let legend = LegendLayout(series: [LineChart.Series(label: long, points: point, style: style)], left: 60, right: 578)
        #expect(legend.entries.map(\.label) == [long])
        // Wider than a whole row: shortened in the middle, keeping the stage.
        let narrow = LegendLayout(series: [LineChart.Series(label: long, points: point, style: style)], left: 60, right: 260)
        let label = try #require(narrow.entries.first?.label)
        #expect(label.hasPrefix("dni (") && label.hasSuffix("stage 3") && label.contains("…"))
        #expect(LineChart.Layout.textWidth(label, fontSize: LineChart.Layout.legendFontSize) <= 200 - LineChart.Layout.legendSampleWidth - 6)
    }
}
