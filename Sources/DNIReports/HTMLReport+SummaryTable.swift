/// The report's summary table: one row per run with its final metrics. Values come from the run's
/// summary line, or from its last epoch when it wrote none; the best value of each comparable
/// column is set in bold.
extension HTMLReport {
    /// A table column: its heading, how to read and format a run's value, and which way is better.
    struct Column {
        enum Better { case lower, higher, neither }
        var heading: String
        var better: Better
        var text: (RunRecord) -> String?
        var value: (RunRecord) -> Double?
    }

    /// The columns shown: the fixed ones that some run has a value for, then any extra numeric
    /// summary fields, by name.
    func summaryColumns() -> [Column] {
        func number(_ heading: String, _ better: Column.Better, _ formatter: @escaping (Double) -> String,
                    _ value: @escaping (RunRecord) -> Double?) -> Column {
            Column(heading: heading, better: better, text: { value($0).map(formatter) }, value: value)
        }
        let significant = { (value: Double) in ReportNumberFormat.significant(value) }
        let percent = { (value: Double) in ReportNumberFormat.fixed(value, decimals: 2) }
        var columns = [
            Column(heading: "Task", better: .neither, text: { $0.summary?.task }, value: { _ in nil }),
            Column(heading: "Execution", better: .neither, text: { $0.summary?.execution }, value: { _ in nil }),
            number("Epochs", .neither, { ReportNumberFormat.fixed($0, decimals: 0) }) {
                ($0.summary?.epochs ?? $0.epochs.last?.epoch).map(Double.init)
            },
            number("Seed", .neither, { ReportNumberFormat.fixed($0, decimals: 0) }) { $0.summary?.seed.map(Double.init) },
            number("Train loss", .lower, significant) { $0.summary?.trainLoss ?? $0.epochs.last?.trainLoss },
            number("Test loss", .lower, significant) { $0.summary?.testLoss ?? $0.epochs.last?.testLoss },
            number("Test accuracy (%)", .higher, percent) { run in
                (run.summary?.testAccuracy ?? run.epochs.last?.testAccuracy).map { 100 * $0 }
            },
            number("Test error (%)", .lower, percent) { run in
                (run.summary?.testAccuracy ?? run.epochs.last?.testAccuracy).map { 100 * (1 - $0) }
            },
            number("Seconds", .lower, { ReportNumberFormat.fixed($0, decimals: 1) }) { $0.summary?.seconds },
            number("Samples/s", .higher, ReportNumberFormat.grouped) { $0.summary?.samplesPerSecond },
        ]
        let extraNames = Set(runs.flatMap { Self.finalExtraFields(of: $0).keys }).sorted()
        for name in extraNames {
            columns.append(number(name.replacingOccurrences(of: "_", with: " "), .neither, significant) {
                Self.finalExtraFields(of: $0)[name]
            })
        }
        return columns.filter { column in runs.contains { column.text($0) != nil } }
    }

    /// The extra numeric fields of the run's summary, or of its last epoch without a summary.
    static func finalExtraFields(of run: RunRecord) -> [String: Double] {
        run.summary?.extraFields ?? run.epochs.last?.extraFields ?? [:]
    }

    /// The table as HTML.
    func summaryTable() -> String {
        let columns = summaryColumns()
        var html = "<div class=\"table-scroll\"><table>\n<thead><tr><th>Method</th>"
        for column in columns {
            html += "<th>\(Markup.escaped(column.heading))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        let best = columns.map { bestValue(of: $0) }
        for run in runs {
            html += "<tr><td>\(Markup.escaped(run.name))</td>"
            for (column, bestValue) in zip(columns, best) {
                let text = column.text(run) ?? "—"
                let isBest = bestValue != nil && column.value(run) == bestValue
                html += isBest ? "<td class=\"best\">" : "<td>"
                html += "\(Markup.escaped(text))</td>"
            }
            html += "</tr>\n"
        }
        html += "</tbody>\n</table></div>\n"
        html += "<p class=\"note\">Final values, from each run's summary line or else its last epoch."
        html += " Best in bold where lower or higher is better.</p>\n"
        return html
    }

    /// The best value in `column` when at least two runs have one and they differ.
    func bestValue(of column: Column) -> Double? {
        let values = runs.compactMap(column.value).filter(\.isFinite)
        guard values.count >= 2, Set(values).count > 1 else { return nil }
        switch column.better {
        case .lower: return values.min()
        case .higher: return values.max()
        case .neither: return nil
        }
    }
}
