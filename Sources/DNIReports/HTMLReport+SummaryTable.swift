/// The report's summary table: one row per run with its final metrics. Values come from the run's
/// summary line, or from its last epoch (a recurrent run: its last report line) when it wrote
/// none; the best value of each comparable column is set in bold.
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
            number("Train loss", .lower, significant) { Self.finalTrainLoss(of: $0) },
            number("Test loss", .lower, significant) { $0.summary?.testLoss ?? $0.epochs.last?.testLoss },
            number("Test accuracy (%)", .higher, percent) { run in
                (run.summary?.testAccuracy ?? run.epochs.last?.testAccuracy).map { 100 * $0 }
            },
            number("Test error (%)", .lower, percent) { run in
                (run.summary?.testAccuracy ?? run.epochs.last?.testAccuracy).map { 100 * (1 - $0) }
            },
            number("Seconds", .lower, { ReportNumberFormat.fixed($0, decimals: 1) }) { $0.summary?.seconds },
            number("Samples/s", .higher, ReportNumberFormat.grouped) { $0.summary?.samplesPerSecond },
            // A recurrent run's speed is windows (of every stream) per second.
            number("Windows/s", .higher, { ReportNumberFormat.fixed($0, decimals: 1) }) { run in
                guard let seconds = run.summary?.seconds, seconds > 0, let steps = run.summary?.extraFields["steps"] else { return nil }
                return steps / seconds
            },
        ]
        let extraNames = Set(runs.flatMap { Self.finalExtraFields(of: $0).keys }).sorted()
        for name in extraNames {
            // Counts (steps, lengths solved) read better whole and grouped than as 3e+04.
            let values = runs.compactMap { Self.finalExtraFields(of: $0)[name] }
            let whole = values.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }
            columns.append(number(name.replacingOccurrences(of: "_", with: " "), .neither, whole ? ReportNumberFormat.grouped : significant) {
                Self.finalExtraFields(of: $0)[name]
            })
        }
        // Task and execution are in the subtitle; a column of them is worth its width only when
        // the runs differ.
        let subtitled: Set<String> = ["Task", "Execution"]
        return columns.filter { column in
            if countsWindows && (column.heading == "Epochs" || column.heading == "Samples/s") { return false }
            let texts = runs.map(column.text)
            guard texts.contains(where: { $0 != nil }) else { return false }
            return !subtitled.contains(column.heading) || Set(texts).count > 1
        }
    }

    /// Whether the table counts windows (the `steps` column), not epochs: every run is a
    /// recurrent one with report lines.
    var countsWindows: Bool { !runs.isEmpty && runs.allSatisfy { !$0.windows.isEmpty } }

    /// The extra numeric fields of the run's summary, or without a summary, of its last epoch or,
    /// for a recurrent run (one stopped by a check, or cut short), of its last report line: the
    /// task's result so far and `steps`, the windows it reached.
    static func finalExtraFields(of run: RunRecord) -> [String: Double] {
        if let summary = run.summary { return summary.extraFields }
        if let epoch = run.epochs.last { return epoch.extraFields }
        guard let last = run.windows.last else { return [:] }
        var fields = last.fields.filter { RunSummary.recurrentFields.contains($0.key) }
        fields["steps"] = Double(last.window)
        return fields
    }

    /// The run's final training loss: its summary's, else its last epoch's or report line's.
    static func finalTrainLoss(of run: RunRecord) -> Double? {
        run.summary?.trainLoss ?? run.epochs.last?.trainLoss ?? run.windows.last?.fields["train_loss"]
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
        // One method's runs (its seeds) together, methods in first-seen order.
        for run in runGroups().flatMap(\.runs) {
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
        // Recurrent runs without a summary line were stopped (a divergence check, an interrupt)
        // or are still running: say so, and from which window their values come.
        let unfinished = runs.filter { $0.summary == nil && $0.epochs.isEmpty && !$0.windows.isEmpty }
        if !unfinished.isEmpty {
            let names = unfinished.map { run in
                "\(run.name)\(run.seed.map { " (seed \($0))" } ?? "") at window \(ReportNumberFormat.grouped(Double(run.windows.last!.window)))"
            }
            html += "<p class=\"note\">No summary line (stopped, or not finished): "
            html += Markup.escaped(names.joined(separator: "; "))
            html += ". Their values are those of their last report line.</p>\n"
        }
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

    /// For methods run over several seeds, one row each: the seeds and the mean ± sample standard
    /// deviation of the final values; empty when every method ran once.
    func seedTable() -> String {
        let groups = runGroups().filter { $0.runs.count > 1 }
        guard !groups.isEmpty else { return "" }
        var html = "<h2>Over seeds</h2>\n<div class=\"table-scroll\"><table>\n<thead><tr><th>Method</th><th>Runs</th><th>Seeds</th>"
        // Recurrent runs: the task's result (lengths solved, test bits per character) in place of
        // a test error.
        let results = ["max_length_solved", "test_bpc"].filter { name in
            groups.contains { $0.runs.contains { Self.finalExtraFields(of: $0)[name] != nil } }
        }
        for name in results { html += "<th>\(Markup.escaped(name.replacingOccurrences(of: "_", with: " ")))</th>" }
        if !countsWindows { html += "<th>Test error (%)</th><th>Test accuracy (%)</th>" }
        html += "<th>Train loss</th><th>Seconds</th></tr></thead>\n<tbody>\n"
        for group in groups {
            let accuracies = group.runs.compactMap { $0.summary?.testAccuracy ?? $0.epochs.last?.testAccuracy }
            let seeds = group.runs.map { $0.seed.map(String.init) ?? "?" }.joined(separator: ", ")
            var cells: [String?] = [String(group.runs.count), seeds]
            for name in results {
                cells.append(Spread(group.runs.compactMap { Self.finalExtraFields(of: $0)[name] })?.text(decimals: name == "test_bpc" ? 3 : 2))
            }
            if !countsWindows {
                cells.append(Spread(accuracies.map { 100 * (1 - $0) })?.text(decimals: 2))
                cells.append(Spread(accuracies.map { 100 * $0 })?.text(decimals: 2))
            }
            cells.append(Spread(group.runs.compactMap { Self.finalTrainLoss(of: $0) }).map {
                ReportNumberFormat.significant($0.mean) + " ± " + ReportNumberFormat.significant($0.standardDeviation, digits: 2)
            })
            cells.append(Spread(group.runs.compactMap { $0.summary?.seconds })?.text(decimals: 1))
            html += "<tr><td>\(Markup.escaped(group.name))</td>"
            html += cells.map { "<td>\(Markup.escaped($0 ?? "—"))</td>" }.joined() + "</tr>\n"
        }
        html += "</tbody>\n</table></div>\n"
        html += "<p class=\"note\">Mean ± sample standard deviation (n − 1) over the seeds of each method.</p>\n"
        return html
    }
}
