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

    /// The charts that have data, in page order.
    public func figures() -> [Figure] {
        var figures: [Figure] = []
        let trainingLoss = epochChart(
            title: "Training loss per epoch", yAxisTitle: "Training loss", scale: lossScale,
            quantity: "training loss", value: { $0.trainLoss }, format: { ReportNumberFormat.significant($0) })
        if !trainingLoss.isEmpty {
            figures.append(Figure(caption: "Training loss per epoch, one line per method.", chart: trainingLoss))
        }
        let testError = epochChart(
            title: "Test error per epoch (%)", yAxisTitle: "Test error (%)", scale: lossScale,
            quantity: "test error", value: { $0.testErrorPercent },
            format: { ReportNumberFormat.fixed($0, decimals: 2) + " %" })
        if !testError.isEmpty {
            figures.append(Figure(caption: "Test error per epoch (%), 100 · (1 − test accuracy).", chart: testError))
        }
        let cosine = probeChart(
            title: "Synthetic-gradient cosine vs step", yAxisTitle: "Cosine similarity cos(ĝ, ∂L/∂h)",
            scale: .linear, referenceLines: [0], quantity: "cosine", value: { $0.cosine })
        if !cosine.isEmpty {
            figures.append(Figure(
                caption: "Synthetic-gradient cosine vs step: cosine similarity between the synthetic gradient ĝ "
                    + "and the true gradient ∂L/∂h at each stage's output; 1 is a perfect direction.",
                chart: cosine))
        }
        let normRatio = probeChart(
            title: "Synthetic-gradient norm ratio vs step", yAxisTitle: "Norm ratio ‖ĝ‖ / ‖∂L/∂h‖",
            scale: .automatic, referenceLines: [1], quantity: "norm ratio", value: { $0.normRatio })
        if !normRatio.isEmpty {
            figures.append(Figure(
                caption: "Synthetic-gradient norm ratio vs step: ‖ĝ‖ / ‖∂L/∂h‖ per stage; 1 is the true magnitude.",
                chart: normRatio))
        }
        // Line up the y axes of all figures, as in a multi-panel figure.
        let plotLeft = figures.map(\.chart.requiredPlotLeft).max() ?? 0
        for index in figures.indices {
            figures[index].chart.minimumPlotLeft = plotLeft
        }
        return figures
    }

    /// One line per run of `value` against the epoch.
    func epochChart(
        title: String, yAxisTitle: String, scale: AxisScaleChoice, quantity: String,
        value: (EpochRecord) -> Double?, format: (Double) -> String
    ) -> LineChart {
        var series: [LineChart.Series] = []
        for (index, run) in runs.enumerated() {
            let points = run.epochs.compactMap { epoch -> LineChart.Point? in
                guard let y = value(epoch), y.isFinite else { return nil }
                let tooltip = "\(run.name) — epoch \(epoch.epoch): \(quantity) \(format(y))"
                return LineChart.Point(x: Double(epoch.epoch), y: y, tooltip: tooltip)
            }
            if !points.isEmpty {
                series.append(LineChart.Series(
                    label: run.name, points: points, style: .indexed(color: index, dash: index)))
            }
        }
        return LineChart(title: title, xAxisTitle: "Epoch", yAxisTitle: yAxisTitle, series: series, yScale: scale)
    }

    /// One line per (run, stage) of `value` against the training step.
    func probeChart(
        title: String, yAxisTitle: String, scale: AxisScaleChoice, referenceLines: [Double], quantity: String,
        value: (ProbeRecord) -> Double?
    ) -> LineChart {
        var series: [LineChart.Series] = []
        for (index, run) in runs.enumerated() {
            for (stageIndex, stage) in run.probedStages.enumerated() {
                let label = "\(run.name), stage \(stage)"
                let points = run.probes.filter { $0.stage == stage }.compactMap { probe -> LineChart.Point? in
                    guard let y = value(probe), y.isFinite else { return nil }
                    let epoch = probe.epoch.map { " (epoch \($0))" } ?? ""
                    let tooltip = "\(label) — step \(probe.step)\(epoch): \(quantity) \(ReportNumberFormat.significant(y))"
                    return LineChart.Point(x: Double(probe.step), y: y, tooltip: tooltip)
                }
                if !points.isEmpty {
                    series.append(LineChart.Series(
                        label: label, points: points, style: .indexed(color: index, dash: stageIndex)))
                }
            }
        }
        return LineChart(
            title: title, xAxisTitle: "Training step", yAxisTitle: yAxisTitle, series: series, yScale: scale,
            referenceLines: referenceLines)
    }
}
