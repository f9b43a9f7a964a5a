/// The charts of recurrent runs against the training window, one line per run name (a method at
/// one truncation T, `dni T=3`), over several seeds their mean with a min–max band: the curriculum
/// (Jaderberg et al. 2016, arXiv:1608.05343, §3.1, Copy and Repeat Copy: the largest sequence
/// length solved) and the training loss.
extension HTMLReport {
    /// The chart of `max_length_solved` against the window, empty when no run recorded one.
    func curriculumChart() -> LineChart {
        windowChart(field: "max_length_solved", startsAtZero: true, title: "Curriculum: largest length solved vs window",
                    yAxisTitle: "Largest length solved", quantity: "largest length solved", scale: .linear)
    }

    /// The training loss of recurrent runs (mean over each report interval) against the window.
    func windowLossChart() -> LineChart {
        windowChart(field: "train_loss", startsAtZero: false, title: "Training loss vs window",
                    yAxisTitle: "Training loss (nats per step)", quantity: "training loss", scale: lossScale)
    }

    /// One line per run name of `field` from the window records; `startsAtZero` adds the point
    /// (0, 0) that every curriculum starts from.
    func windowChart(field: String, startsAtZero: Bool, title: String, yAxisTitle: String, quantity: String,
                     scale: AxisScaleChoice) -> LineChart {
        var series: [LineChart.Series] = []
        for (index, group) in runGroups().enumerated() {
            let curves = group.runs.map { run in
                // Every run starts at window 0 having solved nothing.
                let points = run.windows.compactMap { record -> (x: Double, y: Double)? in
                    guard let y = record.fields[field], y.isFinite else { return nil }
                    return (Double(record.window), y)
                }
                return points.isEmpty || !startsAtZero ? points : [(x: 0, y: 0)] + points
            }
            let line = Self.series(
                name: group.name, curves: curves, style: .indexed(color: index, dash: index),
                tooltip: { x, text in "\(group.name) — window \(Int(x)): \(quantity) \(text)" },
                format: { ReportNumberFormat.significant($0) })
            if let line { series.append(line) }
        }
        return LineChart(title: title, xAxisTitle: "Training window", yAxisTitle: yAxisTitle, series: series, yScale: scale)
    }
}
