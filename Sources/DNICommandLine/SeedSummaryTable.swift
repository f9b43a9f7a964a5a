import DNI
import DNIReports

/// The mean ± sample standard deviation of each method's runs over several seeds, as
/// `dni compare --seeds` prints it (text) and writes it (`{"event":"aggregate",…}` lines).
struct SeedSummaryTable {
    /// One method's runs.
    struct Group {
        var task: String
        var method: String
        var seeds: [Int]
        var testAccuracy: Spread
        var testError: Spread
        var testExact: Spread?
        var trainLoss: Spread
        var seconds: Spread
    }

    /// One group per method, in first-run order.
    let groups: [Group]

    /// Groups `summaries` by method.
    init(summaries: [TrainingSummary]) {
        var order: [TrainingMethod] = []
        for summary in summaries where !order.contains(summary.method) { order.append(summary.method) }
        groups = order.map { method in
            let runs = summaries.filter { $0.method == method }
            let exact = runs.compactMap(\.test.exactAccuracy)
            return Group(
                task: runs[0].task, method: method.rawValue, seeds: runs.map { Int(truncatingIfNeeded: $0.seed) },
                testAccuracy: Spread(runs.map { 100 * $0.test.accuracy })!,
                testError: Spread(runs.map { 100 * (1 - $0.test.accuracy) })!,
                testExact: exact.count == runs.count ? Spread(exact.map { 100 * $0 }) : nil,
                trainLoss: Spread(runs.map(\.trainLoss))!,
                seconds: Spread(runs.map(\.seconds))!)
        }
    }

    /// The text table: one row per method, each cell mean ± sd over the seeds named.
    func render() -> String {
        let hasExact = groups.contains { $0.testExact != nil }
        var header = ["method", "runs", "seeds", "test error", "test accuracy"]
        if hasExact { header.append("exact sums") }
        header += ["train loss", "seconds"]
        var rows = [header]
        for group in groups {
            var row = [group.method, String(group.seeds.count), group.seeds.map(String.init).joined(separator: ","),
                       group.testError.text(decimals: 2) + "%", group.testAccuracy.text(decimals: 2) + "%"]
            if hasExact { row.append(group.testExact.map { $0.text(decimals: 2) + "%" } ?? "–") }
            row += [group.trainLoss.text(decimals: 5), group.seconds.text(decimals: 1)]
            rows.append(row)
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let lines = rows.map { row in
            row.enumerated().map { column, cell in
                column <= 2 ? cell.padding(widths[column]) : cell.leftPadding(widths[column])
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: lines[0].count)
        let note = "mean ± sample standard deviation over the seeds"
        return ([note, lines[0], rule] + lines.dropFirst()).joined(separator: "\n")
    }

    /// One `{"event":"aggregate",…}` line per method; percentages are fractions as in the
    /// summary lines.
    var jsonLines: [JSONLine] {
        groups.map { group in
            var line = JSONLine(event: "aggregate")
            line.append("task", .string(group.task))
            line.append("method", .string(group.method))
            line.append("runs", .integer(group.seeds.count))
            line.append("seeds", .string(group.seeds.map(String.init).joined(separator: ",")))
            func append(_ name: String, _ spread: Spread?, scale: Double) {
                guard let spread else { return }
                line.append("\(name)_mean", spread.mean * scale)
                line.append("\(name)_sd", spread.standardDeviation * scale)
                line.append("\(name)_min", spread.minimum * scale)
                line.append("\(name)_max", spread.maximum * scale)
            }
            append("test_accuracy", group.testAccuracy, scale: 0.01)
            append("test_error", group.testError, scale: 0.01)
            append("test_exact", group.testExact, scale: 0.01)
            append("train_loss", group.trainLoss, scale: 1)
            append("seconds", group.seconds, scale: 1)
            return line
        }
    }
}
