import DNI
import DNIReports

/// The table `dni compare` prints for recurrent tasks: one row per method and truncation T with
/// the task's result — `max_length_solved` (Copy, Repeat Copy) or `test_bpc` (text) — and the
/// windows trained (`steps`). Over several seeds a row gives the mean and every seed's value.
struct RecurrentComparisonTable {
    /// One method at one truncation.
    struct Row: Equatable {
        var method: String
        var truncation: Int
        var seeds: [UInt64]
        var results: [Double]
        var steps: [Int]
        var seconds: [Double]
    }

    /// The result's field name: `max_length_solved`, or `test_bpc` for the text task.
    let metric: String
    /// Rows in first-run order.
    let rows: [Row]

    /// Groups `summaries` by method (with `+aux` for DNI + Aux) and truncation.
    init(summaries: [TrainingSummary]) {
        metric = summaries.contains { $0.additionalFields["max_length_solved"] != nil } ? "max_length_solved" : "test_bpc"
        var rows: [Row] = []
        for summary in summaries {
            let fields = summary.additionalFields
            let method = summary.method.rawValue + (fields["auxiliary_weight"] != nil ? "+aux" : "")
                + (fields["synthetic_gradient_noise"] != nil ? "+noise" : "")
            let truncation = Int(fields["truncation"] ?? 0)
            let result = fields[metric] ?? .nan, steps = Int(fields["steps"] ?? 0)
            if let index = rows.firstIndex(where: { $0.method == method && $0.truncation == truncation }) {
                rows[index].seeds.append(summary.seed)
                rows[index].results.append(result)
                rows[index].steps.append(steps)
                rows[index].seconds.append(summary.seconds)
            } else {
                rows.append(Row(method: method, truncation: truncation, seeds: [summary.seed], results: [result],
                                steps: [steps], seconds: [summary.seconds]))
            }
        }
        self.rows = rows
    }

    /// `2`, or `1.67 (1, 2, 2)` over several seeds; whole numbers without decimals.
    static func cell(_ values: [Double], decimals: Int) -> String {
        func text(_ value: Double) -> String {
            value == value.rounded() && value.isFinite ? String(Int(value)) : format(value, decimals)
        }
        guard values.count > 1 else { return values.first.map(text) ?? "–" }
        let mean = values.reduce(0, +) / Double(values.count)
        return format(mean, 2) + " (" + values.map(text).joined(separator: ", ") + ")"
    }

    /// The text table.
    func render() -> String {
        let decimals = metric == "test_bpc" ? 3 : 0
        let header = ["method", "T", "seeds", metric, "steps", "seconds"]
        var table = [header]
        for row in rows {
            let steps = Set(row.steps).count == 1 ? String(row.steps[0]) : Self.cell(row.steps.map(Double.init), decimals: 0)
            table.append([row.method, String(row.truncation), row.seeds.map(String.init).joined(separator: ","),
                          Self.cell(row.results, decimals: decimals), steps,
                          format(row.seconds.reduce(0, +) / Double(row.seconds.count), 1)])
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        let lines = table.map { cells in
            cells.enumerated().map { column, cell in
                column == 0 || column == 2 ? cell.padding(widths[column]) : cell.leftPadding(widths[column])
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: lines[0].count)
        let note = rows.contains { $0.seeds.count > 1 } ? "\n\(metric): mean over the seeds (each seed's value); seconds: mean" : ""
        return ([lines[0], rule] + lines.dropFirst()).joined(separator: "\n") + note
    }
}
