import DNICommandLine
import Foundation
import Testing

/// `dni compare`: probes by default for synthesizer methods, and `--seeds` with a mean ± sd table.
@Suite struct CompareCommandTests {
    static let tinyAddition = TrainCommandTests.tinyAddition

    @Test func probesByDefaultForMethodsWithSynthesizers() {
        let run = CapturedRun(["compare", "--methods", "backprop,dni", "--json"] + Self.tinyAddition)
        #expect(run.status == 0)
        let probes = run.lines.filter { $0.contains(#""event":"probe""#) }
        #expect(!probes.isEmpty)
        #expect(probes.allSatisfy { $0.contains(#""method":"dni""#) })
        let off = CapturedRun(["compare", "--methods", "backprop,dni", "--json", "--probe-every", "0"] + Self.tinyAddition)
        #expect(off.status == 0)
        #expect(!off.standardOutput.contains(#""event":"probe""#))
    }

    @Test func seedsGiveOneRunPerMethodAndSeedAndAnAggregate() throws {
        let run = CapturedRun(["compare", "--methods", "backprop,cdni", "--seeds", "1,2,3", "--json"] + Self.tinyAddition)
        #expect(run.status == 0)
        let summaries = run.lines.filter { $0.hasPrefix(#"{"event":"summary""#) }
        #expect(summaries.count == 6)
        for seed in 1...3 {
            #expect(summaries.filter { $0.contains(#""seed":\#(seed),"#) }.count == 2)
        }
        let aggregates = run.lines.filter { $0.hasPrefix(#"{"event":"aggregate""#) }
        #expect(aggregates.count == 2)
        // The aggregate's mean is the mean of the three summaries' test accuracies.
        func number(_ key: String, in line: String) throws -> Double {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return try #require(object[key] as? Double)
        }
        let backprop = try summaries.filter { $0.contains(#""method":"backprop""#) }.map { try number("test_accuracy", in: $0) }
        let aggregate = try #require(aggregates.first { $0.contains(#""method":"backprop""#) })
        #expect(abs(try number("test_accuracy_mean", in: aggregate) - backprop.reduce(0, +) / 3) < 1e-12)
        #expect(aggregate.contains(#""seeds":"1,2,3""#))
        // Epoch lines carry their seed so that `dni report` can tell the runs apart.
        #expect(run.lines.filter { $0.hasPrefix(#"{"event":"epoch""#) }.allSatisfy { $0.contains(#""seed":"#) })
    }

    @Test func seedsTableNamesTheSeeds() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("seeds.html").path
        let run = CapturedRun(["compare", "--methods", "backprop,dni", "--seeds", "4,5", "--report", path] + Self.tinyAddition)
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("mean ± sample standard deviation over the seeds"))
        let row = try #require(run.lines.first { $0.hasPrefix("dni ") && $0.contains("4,5") })
        #expect(row.contains(" ± "))
        #expect(run.lines.last == "report: \(path)")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("class=\"band\""))
    }

    @Test func tableTurnsSeedRunsIntoMarkdownRows() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let compare = CapturedRun(["compare", "--methods", "backprop", "--seeds", "1,2", "--json"] + Self.tinyAddition)
        let path = directory.appendingPathComponent("bp.jsonl").path
        try compare.standardOutput.write(toFile: path, atomically: true, encoding: .utf8)
        let table = CapturedRun(["table", path])
        #expect(table.status == 0)
        #expect(table.lines.count == 3)
        #expect(table.lines[0].hasPrefix("| runs | method | seeds | test error |"))
        #expect(table.lines[2].hasPrefix("| bp | backprop | 1, 2 | "))
        #expect(table.lines[2].contains(" ± "))
        #expect(CapturedRun(["table", directory.appendingPathComponent("missing.jsonl").path]).status == 2)
    }
}
