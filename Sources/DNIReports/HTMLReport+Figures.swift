/// The report's charts, built from the runs. Each run keeps one colour in every chart; in the
/// epoch charts it also keeps one dash pattern, in the probe charts the dash pattern tells its
/// stages apart.
extension HTMLReport {
    /// A chart with the caption printed under it.
    public struct Figure: Sendable, Equatable {
        /// The caption text, without the "Figure N." prefix.
        public var caption: String
        /// The chart.
        public var chart: LineChart
    }

    /// How the captions say that a method over several seeds is drawn, or nothing.
    var spreadNote: String {
        runGroups().contains { $0.runs.count > 1 }
            ? "; over several seeds, the line is their mean and the shaded band spans the lowest to the highest run" : ""
    }

    /// The charts that have data, in page order.
    public func figures() -> [Figure] {
        var figures: [Figure] = []
        /// Adds `chart` with `caption` (the spread note appended) when it has data.
        func add(_ chart: LineChart, _ caption: String) {
            if !chart.isEmpty { figures.append(Figure(caption: caption + spreadNote + ".", chart: chart)) }
        }
        add(curriculumChart(),
            "Curriculum: the largest sequence length solved (mean error below 0.15 bits per output step) "
                + "against the training window, one line per method and truncation T")
        add(windowLossChart(), "Training loss of the recurrent runs, the mean over each report interval of windows")
        add(cellNormChart(),
            "The LSTM's cell-state norm ‖c‖ at each probe, the mean over streams of the state carried "
                + "into the next window; a core that diverges grows it without bound")
        add(saturatedForgetChart(),
            "Forget gates above 0.99 over the window before each probe (%); a diverging core saturates "
                + "them and stops forgetting")
        add(epochChart(
                title: "Training loss per epoch", yAxisTitle: "Training loss", scale: lossScale,
                quantity: "training loss", value: { $0.trainLoss }, format: { ReportNumberFormat.significant($0) }),
            "Training loss per epoch, one line per method")
        add(epochChart(
                title: "Test error per epoch (%)", yAxisTitle: "Test error (%)", scale: lossScale,
                quantity: "test error", value: { $0.testErrorPercent },
                format: { ReportNumberFormat.fixed($0, decimals: 2) + " %" }),
            "Test error per epoch (%), 100 · (1 − test accuracy)")
        // A recurrent run's ĝ is the gradient from beyond the window, at the carried state.
        let recurrent = isRecurrentOnly
        let unit = recurrent ? "window" : "step"
        let truth = recurrent ? "g" : "∂L/∂h"
        let truthText = recurrent
            ? "the true gradient from the next windows at the state the window ends with (backpropagated over the probe's horizon)"
            : "the true gradient ∂L/∂h at each stage's output"
        add(probeChart(
                title: "Synthetic-gradient cosine vs \(unit)", yAxisTitle: "Cosine similarity cos(ĝ, \(truth))",
                scale: .linear, referenceLines: [0], quantity: "cosine", value: { $0.cosine }),
            "Synthetic-gradient cosine vs \(unit): cosine similarity between the synthetic gradient ĝ "
                + "and \(truthText); 1 is a perfect direction")
        add(probeChart(
                title: "Synthetic-gradient norm ratio vs \(unit)", yAxisTitle: "Norm ratio ‖ĝ‖ / ‖\(truth)‖",
                scale: .automatic, referenceLines: [1], quantity: "norm ratio",
                // A ratio of 0 is a synthesizer that still predicts exactly zero (its last layer starts
                // at zero): left out, so that a log axis can show the ratios that span decades.
                value: { probe in probe.normRatio.flatMap { $0 > 0 ? $0 : nil } }),
            "Synthetic-gradient norm ratio vs \(unit): ‖ĝ‖ / ‖\(truth)‖\(recurrent ? "" : " per stage"); 1 is the true magnitude "
                + "(probes where the synthesizer still predicts exactly zero are left out)")
        // Line up the y axes of all figures, as in a multi-panel figure.
        let plotLeft = figures.map(\.chart.requiredPlotLeft).max() ?? 0
        for index in figures.indices {
            figures[index].chart.minimumPlotLeft = plotLeft
        }
        return figures
    }

    /// One line per run of `value` against the epoch; a method run over several seeds is one
    /// line through the mean with a band from the lowest to the highest run.
    func epochChart(
        title: String, yAxisTitle: String, scale: AxisScaleChoice, quantity: String,
        value: (EpochRecord) -> Double?, format: (Double) -> String
    ) -> LineChart {
        var series: [LineChart.Series] = []
        for (index, group) in runGroups().enumerated() {
            let curves = group.runs.map { run in
                run.epochs.compactMap { epoch -> (x: Double, y: Double)? in
                    guard let y = value(epoch), y.isFinite else { return nil }
                    return (Double(epoch.epoch), y)
                }
            }
            let line = Self.series(
                name: group.name, curves: curves, style: .indexed(color: index, dash: index),
                tooltip: { x, text in "\(group.name) — epoch \(Int(x)): \(quantity) \(text)" }, format: format)
            if let line { series.append(line) }
        }
        return LineChart(title: title, xAxisTitle: "Epoch", yAxisTitle: yAxisTitle, series: series, yScale: scale)
    }

    /// One line per (run, stage) of `value` against the training step; over several seeds, the
    /// mean with a min–max band.
    func probeChart(
        title: String, yAxisTitle: String, scale: AxisScaleChoice, referenceLines: [Double], quantity: String,
        value: (ProbeRecord) -> Double?
    ) -> LineChart {
        var series: [LineChart.Series] = []
        let unit = isRecurrentOnly ? "window" : "step"
        for (index, group) in runGroups().enumerated() {
            let stages = Array(Set(group.runs.flatMap(\.probedStages))).sorted()
            for (stageIndex, stage) in stages.enumerated() {
                let label = "\(group.name), stage \(stage)"
                let curves = group.runs.map { run in
                    run.probes.filter { $0.stage == stage }.compactMap { probe -> (x: Double, y: Double)? in
                        guard let y = value(probe), y.isFinite else { return nil }
                        return (Double(probe.step), y)
                    }
                }
                let line = Self.series(
                    name: label, curves: curves, style: .indexed(color: index, dash: stageIndex),
                    tooltip: { x, text in "\(label) — \(unit) \(Int(x)): \(quantity) \(text)" },
                    format: { ReportNumberFormat.significant($0) })
                if let line { series.append(line) }
            }
        }
        // A recurrent run's probes are taken between windows: its step is the window.
        return LineChart(
            title: title, xAxisTitle: isRecurrentOnly ? "Training window" : "Training step", yAxisTitle: yAxisTitle,
            series: series, yScale: scale, referenceLines: referenceLines)
    }

    /// Whether every run is a recurrent one (windows or recurrent probes, no epochs): probes are
    /// then drawn against the window and ĝ is the gradient from beyond it.
    var isRecurrentOnly: Bool {
        runs.allSatisfy { $0.epochs.isEmpty && !($0.windows.isEmpty && $0.stateProbes.isEmpty) }
    }

    /// The runs grouped by name, in first-seen order: one group per method, holding one run per
    /// seed when the report covers several seeds.
    func runGroups() -> [(name: String, runs: [RunRecord])] {
        var groups: [(name: String, runs: [RunRecord])] = []
        for run in runs {
            if let index = groups.firstIndex(where: { $0.name == run.name }) {
                groups[index].runs.append(run)
            } else {
                groups.append((run.name, [run]))
            }
        }
        return groups
    }

    /// The line of one run, or for several runs the mean at every x that all of them have, with
    /// a band from their minimum to their maximum there; nil when nothing is left to draw.
    static func series(
        name: String, curves: [[(x: Double, y: Double)]], style: SeriesStyle,
        tooltip: (Double, String) -> String, format: (Double) -> String
    ) -> LineChart.Series? {
        let curves = curves.filter { !$0.isEmpty }
        guard let first = curves.first else { return nil }
        if curves.count == 1 {
            let points = first.map { LineChart.Point(x: $0.x, y: $0.y, tooltip: tooltip($0.x, format($0.y))) }
            return LineChart.Series(label: name, points: points, style: style)
        }
        let lookups = curves.map { curve in Dictionary(curve.map { ($0.x, $0.y) }, uniquingKeysWith: { _, last in last }) }
        var points: [LineChart.Point] = []
        var band: [LineChart.BandPoint] = []
        for x in first.map(\.x) {
            let values = lookups.compactMap { $0[x] }
            guard values.count == curves.count, let spread = Spread(values) else { continue }
            let text = "mean \(format(spread.mean)), min \(format(spread.minimum)), max \(format(spread.maximum)) over \(values.count) runs"
            points.append(LineChart.Point(x: x, y: spread.mean, tooltip: tooltip(x, text)))
            band.append(LineChart.BandPoint(x: x, lower: spread.minimum, upper: spread.maximum))
        }
        guard !points.isEmpty else { return nil }
        return LineChart.Series(label: "\(name) (\(curves.count) seeds)", points: points, style: style, band: band)
    }
}
