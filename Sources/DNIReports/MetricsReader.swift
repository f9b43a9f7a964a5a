import Foundation

/// Reads the JSON Lines that `dni train --json` and `dni compare --json` write (docs/reports.md) and
/// groups them into one `RunRecord` per method.
///
/// Grouping: within one source, lines are grouped by their `"method"`. Lines without a method join
/// the source's method when it names exactly one (a `train --json` file names it only in its
/// summary), and otherwise form a run named after the file. When the same name comes from several
/// sources, each run is renamed `name (file)`. Runs keep the order in which they first appear.
///
/// Unknown events and unknown fields are ignored; blank lines are skipped. Anything else that is
/// not a well-formed record is a `MetricsFormatError` naming the source, the line and the problem.
public enum MetricsReader {
    /// Reads and groups the metrics files at `paths`, in order.
    public static func read(files paths: [String]) throws(MetricsFormatError) -> [RunRecord] {
        var sources: [(name: String, text: String)] = []
        for path in paths {
            sources.append((path, try contents(of: path)))
        }
        return try read(sources: sources)
    }

    /// Reads and groups in-memory sources; `name` stands for a file name in runs and errors.
    public static func read(sources: [(name: String, text: String)]) throws(MetricsFormatError) -> [RunRecord] {
        guard !sources.isEmpty else {
            throw MetricsFormatError(source: "input", line: nil, problem: "no metrics files given")
        }
        var runs: [RunRecord] = []
        for source in sources {
            runs += try read(text: source.text, source: source.name)
        }
        return disambiguated(runs)
    }

    /// Reads one source; the runs are named after their methods, or after the source's file name.
    public static func read(text: String, source: String) throws(MetricsFormatError) -> [RunRecord] {
        var parsed: [(line: Int, record: MetricsLine)] = []
        var lineNumber = 0
        // Split on any line break: "\r\n" is one Character in Swift, so splitting on "\n" alone would
        // leave CRLF files as a single line. A leading byte-order mark is not part of the JSON.
        let body = text.hasPrefix("\u{FEFF}") ? Substring(text.dropFirst()) : Substring(text)
        for line in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                let record = try MetricsLine(parsing: trimmed)
                if record != .ignored {
                    parsed.append((lineNumber, record))
                }
            } catch {
                throw MetricsFormatError(source: source, line: lineNumber, problem: error.description)
            }
        }
        guard !parsed.isEmpty else {
            let problem = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                ? "empty input: no metrics records"
                : "no epoch, probe or summary records"
            throw MetricsFormatError(source: source, line: nil, problem: problem)
        }
        return group(parsed.map(\.record), source: source)
    }

    /// Groups the records of one source by method, and by seed when the epoch or probe lines
    /// carry one (`dni compare --seeds --json`; see the type's documentation).
    static func group(_ records: [MetricsLine], source: String) -> [RunRecord] {
        var methods: [String] = []
        for record in records {
            if let method = record.method, !methods.contains(method) {
                methods.append(method)
            }
        }
        let linesCarrySeeds = records.contains { $0.lineSeed != nil }
        let fileName = runName(forSource: source)
        let unnamedRunName = methods.count == 1 ? methods[0] : fileName
        var runs: [RunRecord] = []
        var indexByKey: [String: Int] = [:]
        for record in records {
            let name = record.method ?? unnamedRunName
            let seed = linesCarrySeeds ? (record.lineSeed ?? record.summarySeed) : nil
            let key = seed.map { "\(name)\u{0}\($0)" } ?? name
            let index: Int
            if let existing = indexByKey[key] {
                index = existing
            } else {
                index = runs.count
                indexByKey[key] = index
                runs.append(RunRecord(name: name, seed: seed, source: source))
            }
            switch record {
            case .epoch(_, _, let epoch): runs[index].epochs.append(epoch)
            case .probe(_, _, let probe): runs[index].probes.append(probe)
            case .window(_, _, let window): runs[index].windows.append(window)
            case .recurrentProbe(_, _, let state, let probe):
                runs[index].stateProbes.append(state)
                if let probe { runs[index].probes.append(probe) }
            case .summary(_, let summary):
                runs[index].summary = summary
                if runs[index].seed == nil { runs[index].seed = summary.seed }
            case .ignored: break
            }
        }
        return runs
    }

    /// Renames runs whose names come from several sources to `name (file)`, then numbers any
    /// (name, seed) pair that still repeats (the same file given twice) as `name (file) #2`. Runs
    /// of one name from one source that differ in seed keep their name: they are one method over
    /// several seeds.
    static func disambiguated(_ runs: [RunRecord]) -> [RunRecord] {
        var sourcesByName: [String: Set<String>] = [:]
        for run in runs { sourcesByName[run.name, default: []].insert(run.source ?? "") }
        var keyCounts: [String: Int] = [:]
        for run in runs { keyCounts[key(of: run), default: 0] += 1 }
        var renamed = runs
        for index in renamed.indices {
            let name = renamed[index].name
            let repeated = sourcesByName[name, default: []].count > 1 || keyCounts[key(of: renamed[index]), default: 0] > 1
            if repeated, let source = renamed[index].source {
                let fileName = runName(forSource: source)
                if fileName != name {
                    renamed[index].name = "\(name) (\(fileName))"
                }
            }
        }
        var seen: [String: Int] = [:]
        for index in renamed.indices {
            let key = key(of: renamed[index])
            seen[key, default: 0] += 1
            if let occurrence = seen[key], occurrence > 1 {
                renamed[index].name = "\(renamed[index].name) #\(occurrence)"
            }
        }
        return renamed
    }

    /// A run's name and seed, the pair that must be unique in a report.
    static func key(of run: RunRecord) -> String {
        run.seed.map { "\(run.name)\u{0}\($0)" } ?? run.name
    }

    /// The file name of `source` without directories or extension: `runs/dni.jsonl` → `dni`.
    static func runName(forSource source: String) -> String {
        let fileName = source.split(separator: "/").last.map(String.init) ?? source
        if let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex {
            return String(fileName[..<dot])
        }
        return fileName.isEmpty ? source : fileName
    }

    /// The text of the file at `path`, as UTF-8.
    static func contents(of path: String) throws(MetricsFormatError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw MetricsFormatError(source: path, line: nil, problem: exists ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw MetricsFormatError(source: path, line: nil, problem: "not UTF-8 text")
        }
        return text
    }
}

extension MetricsLine {
    /// The method the line names, if any.
    var method: String? {
        switch self {
        case .epoch(let method, _, _), .probe(let method, _, _), .summary(let method, _), .window(let method, _, _),
             .recurrentProbe(let method, _, _, _): method
        case .ignored: nil
        }
    }

    /// The seed an epoch or probe line names, if any.
    var lineSeed: Int? {
        switch self {
        case .epoch(_, let seed, _), .probe(_, let seed, _), .window(_, let seed, _), .recurrentProbe(_, let seed, _, _): seed
        case .summary, .ignored: nil
        }
    }

    /// The seed a summary line names, if any.
    var summarySeed: Int? {
        if case .summary(_, let summary) = self { summary.seed } else { nil }
    }
}
