import Foundation

/// Reads the JSON Lines that `dni train --json` and `dni compare --json` write (DESIGN.md §4) and
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

    /// Groups the records of one source by method (see the type's documentation).
    static func group(_ records: [MetricsLine], source: String) -> [RunRecord] {
        var methods: [String] = []
        for record in records {
            if let method = record.method, !methods.contains(method) {
                methods.append(method)
            }
        }
        let fileName = runName(forSource: source)
        let unnamedRunName = methods.count == 1 ? methods[0] : fileName
        var runs: [RunRecord] = []
        var indexByName: [String: Int] = [:]
        for record in records {
            let name = record.method ?? unnamedRunName
            let index: Int
            if let existing = indexByName[name] {
                index = existing
            } else {
                index = runs.count
                indexByName[name] = index
                runs.append(RunRecord(name: name, source: source))
            }
            switch record {
            case .epoch(_, let epoch): runs[index].epochs.append(epoch)
            case .probe(_, let probe): runs[index].probes.append(probe)
            case .summary(_, let summary): runs[index].summary = summary
            case .ignored: break
            }
        }
        return runs
    }

    /// Renames runs whose names repeat across sources to `name (file)`, then numbers any that
    /// still repeat (the same file given twice) as `name (file) #2`.
    static func disambiguated(_ runs: [RunRecord]) -> [RunRecord] {
        var counts: [String: Int] = [:]
        for run in runs { counts[run.name, default: 0] += 1 }
        var renamed = runs
        for index in renamed.indices where counts[renamed[index].name, default: 0] > 1 {
            if let source = renamed[index].source {
                let fileName = runName(forSource: source)
                if fileName != renamed[index].name {
                    renamed[index].name = "\(renamed[index].name) (\(fileName))"
                }
            }
        }
        var seen: [String: Int] = [:]
        for index in renamed.indices {
            let name = renamed[index].name
            seen[name, default: 0] += 1
            if let occurrence = seen[name], occurrence > 1 {
                renamed[index].name = "\(name) #\(occurrence)"
            }
        }
        return renamed
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
        case .epoch(let method, _), .probe(let method, _), .summary(let method, _): method
        case .ignored: nil
        }
    }
}
