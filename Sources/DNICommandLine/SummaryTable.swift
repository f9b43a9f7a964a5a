import DNI

/// The side-by-side table that `train` and `compare` print at the end.
struct SummaryTable {
    let summaries: [TrainingSummary]

    func render() -> String {
        let hasExact = summaries.contains { $0.test.exactAccuracy != nil }
        let showsSeed = Set(summaries.map(\.seed)).count > 1
        var header = ["method"] + (showsSeed ? ["seed"] : []) + ["epochs", "train loss", "test loss", "test accuracy"]
        if hasExact { header += ["exact sums"] }
        header += ["seconds", "samples/s"]
        var rows = [header]
        for summary in summaries {
            var row = [summary.method.rawValue] + (showsSeed ? [String(summary.seed)] : []) + [String(summary.epochs), format(summary.trainLoss, 5),
                       format(summary.test.loss, 5), format(100 * summary.test.accuracy, 2) + "%"]
            if hasExact { row.append(summary.test.exactAccuracy.map { format(100 * $0, 2) + "%" } ?? "–") }
            row += [format(summary.seconds, 2), format(summary.samplesPerSecond, 0)]
            rows.append(row)
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { row in
            row.enumerated().map { column, cell in
                column == 0 ? cell.padding(widths[column]) : cell.leftPadding(widths[column])
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: lines[0].count)
        return ([lines[0], rule] + lines.dropFirst()).joined(separator: "\n")
    }
}

extension String {
    /// The text padded with spaces on the right to `width` characters.
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    /// The text padded with spaces on the left to `width` characters.
    func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
