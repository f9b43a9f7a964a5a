import ArgumentParser
import DNI
import DNIReports

extension DNICommand {
    /// `dni table FILE.jsonl …`: the summary lines of runs over several seeds as Markdown table
    /// rows, each cell the mean ± sample standard deviation, with the seeds named.
    struct Table: OutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn JSON-lines summaries over seeds into Markdown rows of mean ± sd.",
            discussion: """
            Reads the summary lines of `dni train --json` or `dni compare --json` (the lines of \
            Scripts/mnist-table.sh and Scripts/addition-seeds.sh), groups them by file and method, \
            and prints one Markdown row per group: test error (and exact sums for addition) as \
            mean ± sample standard deviation over the seeds, the seeds, and the mean training time.
            """)

        @Argument(help: "JSON-lines metrics files, one or more.")
        var files: [String]

        func run() throws {
            try run(output: .process)
        }

        func run(output: CommandOutput) throws {
            var rows: [SeedRow] = []
            for file in files {
                let runs: [RunRecord]
                do {
                    runs = try MetricsReader.read(files: [file])
                } catch {
                    throw InputError(error.description)
                }
                rows += SeedRow.rows(of: runs, file: file)
            }
            guard !rows.isEmpty else { throw InputError("\(files.joined(separator: ", ")): no summary lines") }
            let hasExact = rows.contains { $0.exact != nil }
            var header = ["runs", "method", "seeds", "test error"]
            if hasExact { header += ["exact sums", "bit accuracy"] }
            header.append("seconds per run")
            output.line("| " + header.joined(separator: " | ") + " |")
            output.line("|" + String(repeating: "---|", count: header.count))
            for row in rows {
                var cells = [row.name, row.method, row.seeds.map(String.init).joined(separator: ", "),
                             row.error.text(decimals: 2) + "%"]
                if hasExact {
                    cells.append(row.exact.map { $0.text(decimals: 3) } ?? "")
                    cells.append(row.exact == nil ? "" : row.accuracy.text(decimals: 2) + "%")
                }
                cells.append(row.seconds.map { $0.text(decimals: 1) } ?? "")
                output.line("| " + cells.joined(separator: " | ") + " |")
            }
        }

    }
}

/// One row of `dni table`: the runs of one method in one file.
struct SeedRow {
    var name: String
    var method: String
    var seeds: [Int]
    var error: Spread
    var accuracy: Spread
    var exact: Spread?
    var seconds: Spread?

    /// One row per run name in `runs` (read from `file`) that has summaries.
    static func rows(of runs: [RunRecord], file: String) -> [SeedRow] {
        var names: [String] = []
        for run in runs where run.summary != nil && !names.contains(run.name) { names.append(run.name) }
        let fileName = String(file.split(separator: "/").last ?? Substring(file)).replacingSuffix(".jsonl")
        return names.compactMap { name in
            let summaries = runs.filter { $0.name == name }.compactMap(\.summary)
            let accuracies = summaries.compactMap(\.testAccuracy)
            guard let accuracy = Spread(accuracies.map { 100 * $0 }),
                  let error = Spread(accuracies.map { 100 * (1 - $0) }) else { return nil }
            let exact = summaries.compactMap { $0.extraFields["test_exact"] }
            return SeedRow(
                name: fileName, method: name, seeds: summaries.compactMap(\.seed), error: error, accuracy: accuracy,
                exact: exact.count == summaries.count ? Spread(exact) : nil,
                seconds: Spread(summaries.compactMap(\.seconds)))
        }
    }
}

extension String {
    /// The text without `suffix` at its end, if it has it.
    func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
