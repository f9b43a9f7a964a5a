/// The charts of recurrent runs against the training window, one line per run name (a method at
/// one truncation T, `dni T=3`), over several seeds their mean with a min–max band: the curriculum
/// (Jaderberg et al. 2016, arXiv:1608.05343, §3.1, Copy and Repeat Copy: the largest sequence
/// length solved), the training loss, and the core's state at each probe: the diagnostics that
/// tell a DNI core diverging (‖c‖ without bound, forget gates saturated) from one learning.
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

    /// The mean cell-state norm ‖c‖ over streams at each probe, against the window.
    func cellNormChart() -> LineChart {
        windowChart(field: "cell_norm", from: \.stateProbes, startsAtZero: false, title: "Cell-state norm vs window",
                    yAxisTitle: "Mean ‖c‖ over streams", quantity: "‖c‖", scale: .automatic)
    }

    /// The share of forget gates above 0.99 over the window before each probe, in percent.
    func saturatedForgetChart() -> LineChart {
        windowChart(field: "saturated_forget_fraction", from: \.stateProbes, multiplier: 100, startsAtZero: false,
                    title: "Saturated forget gates vs window", yAxisTitle: "Forget gates above 0.99 (%)",
                    quantity: "forget gates above 0.99 (%)", scale: .linear)
    }

    /// One line per run name of `field` × `multiplier` from the records at `records` (the report
    /// lines by default); `startsAtZero` adds the point (0, 0) that every curriculum starts from.
    func windowChart(field: String, from records: KeyPath<RunRecord, [WindowRecord]> = \.windows, multiplier: Double = 1,
                     startsAtZero: Bool, title: String, yAxisTitle: String, quantity: String,
                     scale: AxisScaleChoice) -> LineChart {
        var series: [LineChart.Series] = []
        for (index, group) in runGroups().enumerated() {
            let curves = group.runs.map { run in
                // Every run starts at window 0 having solved nothing.
                let points = run[keyPath: records].compactMap { record -> (x: Double, y: Double)? in
                    guard let value = record.fields[field], value.isFinite else { return nil }
                    return (Double(record.window), multiplier * value)
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
