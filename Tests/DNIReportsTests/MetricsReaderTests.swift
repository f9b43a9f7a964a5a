import Foundation
import Testing
@testable import DNIReports

/// Reading JSON Lines: good input, grouping by method, naming, and every malformed case.
@Suite struct MetricsReaderTests {
    @Test func readsTheCompareFixture() throws {
        let runs = try MetricsReader.read(text: try Fixture.compareAddition, source: "compare.jsonl")
        #expect(runs.map(\.name) == ["backprop", "dni", "cdni"])
        for run in runs {
            #expect(run.epochs.map(\.epoch) == Array(1...10))
            #expect(run.summary?.task == "addition")
            #expect(run.summary?.epochs == 10)
            #expect(run.source == "compare.jsonl")
        }
        #expect(runs[0].probes.isEmpty)
        #expect(runs[1].probes.count == 120)
        #expect(runs[1].probedStages == [1, 2])
        #expect(runs[0].summary?.trainLoss == 0.03259)
        #expect(runs[0].summary?.samplesPerSecond == 1935.5)
        #expect(runs[0].summary?.extraFields == ["test_exact": 0.9261])
        #expect(runs[1].epochs[0].extraFields["synthesizer_loss"] != nil)
    }

    @Test func parsesEveryFieldOfEachEvent() throws {
        let text = """
        {"event":"epoch","method":"dni","epoch":3,"train_loss":0.12,"test_loss":0.15,"test_accuracy":0.97,"seconds":4.2,"test_exact":0.5}
        {"event":"probe","method":"dni","epoch":2,"step":1200,"stage":1,"cosine":0.61,"norm_ratio":0.8,"synthesizer_loss":0.003}
        {"event":"summary","task":"mnist","method":"dni","execution":"sequential","epochs":10,"seed":1,"train_loss":0.1,"test_loss":0.2,"test_accuracy":0.9,"seconds":40,"samples_per_second":1500,"max_length_solved":7}
        """
        let runs = try MetricsReader.read(text: text, source: "run.jsonl")
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(run.epochs == [EpochRecord(
            epoch: 3, trainLoss: 0.12, testLoss: 0.15, testAccuracy: 0.97, seconds: 4.2, extraFields: ["test_exact": 0.5])])
        #expect(run.probes == [ProbeRecord(
            epoch: 2, step: 1200, stage: 1, cosine: 0.61, normRatio: 0.8, synthesizerLoss: 0.003)])
        #expect(run.summary == RunSummary(
            task: "mnist", execution: "sequential", epochs: 10, seed: 1, trainLoss: 0.1, testLoss: 0.2,
            testAccuracy: 0.9, seconds: 40, samplesPerSecond: 1500, extraFields: ["max_length_solved": 7]))
    }

    @Test func unknownEventsFieldsAndBlankLinesAreIgnored() throws {
        let text = """

        {"event":"hello","anything":[1,2,{"x":null}]}
        {"event":"epoch","epoch":1,"train_loss":0.5,"note":"text is not a metric","flag":true,"nested":{"a":1}}

        """
        let runs = try MetricsReader.read(text: text, source: "runs/plain.jsonl")
        #expect(runs.count == 1)
        #expect(runs[0].name == "plain")
        #expect(runs[0].epochs == [EpochRecord(epoch: 1, trainLoss: 0.5)])
    }

    @Test func methodlessLinesJoinTheFilesOnlyMethod() throws {
        // `dni train --json` names the method only in its summary line (docs/reports.md).
        let text = """
        {"event":"epoch","epoch":1,"train_loss":0.5}
        {"event":"epoch","epoch":2,"train_loss":0.4}
        {"event":"summary","method":"cdni","epochs":2}
        """
        let runs = try MetricsReader.read(text: text, source: "train.jsonl")
        #expect(runs.map(\.name) == ["cdni"])
        #expect(runs[0].epochs.count == 2)
        #expect(runs[0].summary?.epochs == 2)
    }

    @Test func groupsByMethodInOrderOfFirstAppearance() throws {
        let text = """
        {"event":"epoch","method":"dni","epoch":1,"train_loss":0.5}
        {"event":"epoch","method":"backprop","epoch":1,"train_loss":0.4}
        {"event":"epoch","method":"dni","epoch":2,"train_loss":0.3}
        {"event":"epoch","epoch":9,"train_loss":0.3}
        {"event":"probe","method":"dni","step":10,"stage":1,"cosine":0.2}
        """
        let runs = try MetricsReader.read(text: text, source: "mixed.jsonl")
        #expect(runs.map(\.name) == ["dni", "backprop", "mixed"])
        #expect(runs[0].epochs.map(\.epoch) == [1, 2])
        #expect(runs[0].probes.count == 1)
        #expect(runs[2].epochs.map(\.epoch) == [9])
    }

    @Test func repeatedNamesAcrossFilesAreQualifiedByFile() throws {
        let line = #"{"event":"epoch","method":"dni","epoch":1,"train_loss":0.5}"#
        let other = #"{"event":"epoch","method":"backprop","epoch":1,"train_loss":0.5}"#
        let runs = try MetricsReader.read(sources: [
            ("a/linear.jsonl", line), ("b/mlp.jsonl", line + "\n" + other), ("b/mlp.jsonl", line),
        ])
        #expect(runs.map(\.name) == ["dni (linear)", "dni (mlp)", "backprop", "dni (mlp) #2"])
    }

    @Test func readsFilesFromDisk() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dni.jsonl").path
        try #"{"event":"epoch","epoch":1,"train_loss":0.5}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let runs = try MetricsReader.read(files: [path])
        #expect(runs.map(\.name) == ["dni"])
        #expect(runs[0].source == path)
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: MetricsFormatError(source: "/no/such/file.jsonl", line: nil, problem: "no such file")) {
            try MetricsReader.read(files: ["/no/such/file.jsonl"])
        }
    }

    @Test(arguments: ["", "\n", "  \n\n \n"])
    func emptyInputIsAnError(text: String) {
        #expect(throws: MetricsFormatError(source: "empty.jsonl", line: nil, problem: "empty input: no metrics records")) {
            try MetricsReader.read(text: text, source: "empty.jsonl")
        }
    }

    @Test func inputWithOnlyUnknownEventsIsAnError() throws {
        let error = #expect(throws: MetricsFormatError.self) {
            try MetricsReader.read(text: #"{"event":"gemm","gflops":100}"#, source: "bench.jsonl")
        }
        #expect(error?.description == "bench.jsonl: no epoch, probe or summary records")
    }

    @Test func noSourcesIsAnError() {
        #expect(throws: MetricsFormatError.self) {
            try MetricsReader.read(sources: [])
        }
    }

    /// Each malformed line, on line 2 after a good line, with the problem the message must name.
    static let malformedLines: [(line: String, problem: String)] = [
        ("not json at all", "not valid JSON: not json at all"),
        (#"{"event":"epoch","epoch":1,"train_loss":0.5"#, "not valid JSON"),
        ("[1, 2, 3]", "expected a JSON object, found an array"),
        ("42", "expected a JSON object, found a number"),
        (#"{"epoch":1,"train_loss":0.5}"#, "record has no \"event\" field"),
        (#"{"event":7}"#, "\"event\" should be a string, found a number"),
        (#"{"event":"epoch","train_loss":0.5}"#, "epoch record has no \"epoch\""),
        (#"{"event":"epoch","epoch":1}"#, "epoch record has no \"train_loss\""),
        (#"{"event":"epoch","epoch":1,"train_loss":null}"#, "epoch record has no \"train_loss\""),
        (#"{"event":"epoch","epoch":1.5,"train_loss":0.5}"#, "\"epoch\" should be a whole number, found 1.5"),
        (#"{"event":"epoch","epoch":1,"train_loss":"0.5"}"#, "\"train_loss\" should be a number, found a string"),
        (#"{"event":"epoch","epoch":1,"train_loss":0.5,"test_accuracy":true}"#,
         "\"test_accuracy\" should be a number, found a boolean"),
        (#"{"event":"epoch","epoch":1,"train_loss":0.5,"test_accuracy":97.5}"#,
         "\"test_accuracy\" should be a fraction in [0, 1], found 97.5"),
        (#"{"event":"summary","test_accuracy":-0.1}"#, "\"test_accuracy\" should be a fraction in [0, 1], found -0.1"),
        (#"{"event":"epoch","method":3,"epoch":1,"train_loss":0.5}"#, "\"method\" should be a string, found a number"),
        (#"{"event":"probe","step":1,"cosine":0.5}"#, "probe record has no \"stage\""),
        (#"{"event":"probe","stage":1,"cosine":0.5}"#, "probe record has no \"step\""),
        (#"{"event":"probe","step":1,"stage":1}"#, "probe record has no \"cosine\""),
        (#"{"event":"summary","epochs":"ten"}"#, "\"epochs\" should be a number, found a string"),
        (#"{"event":"summary","task":["mnist"]}"#, "\"task\" should be a string, found an array"),
    ]

    @Test(arguments: malformedLines)
    func malformedLinesNameFileLineAndProblem(line: String, problem: String) {
        let text = #"{"event":"epoch","epoch":1,"train_loss":0.5}"# + "\n" + line + "\n"
        let error = #expect(throws: MetricsFormatError.self) {
            try MetricsReader.read(text: text, source: "runs/bad.jsonl")
        }
        #expect(error?.source == "runs/bad.jsonl")
        #expect(error?.line == 2)
        #expect(error?.problem.hasPrefix(problem) == true, "\(error?.problem ?? "no error")")
        #expect(error?.description.hasPrefix("runs/bad.jsonl:2: ") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func lineNumbersCountBlankLines() {
        let text = "\n\n" + #"{"event":"epoch","epoch":1,"train_loss":0.5}"# + "\n\nnope\n"
        let error = #expect(throws: MetricsFormatError.self) {
            try MetricsReader.read(text: text, source: "gaps.jsonl")
        }
        #expect(error?.line == 5)
    }

    @Test func windowsLineEndingsAndAByteOrderMarkAreRead() throws {
        let text = "\u{FEFF}" + #"{"event":"epoch","epoch":1,"train_loss":0.5}"# + "\r\n"
            + #"{"event":"epoch","epoch":2,"train_loss":0.4}"# + "\r\n\r\nbad\r\n"
        let error = #expect(throws: MetricsFormatError.self) {
            try MetricsReader.read(text: text, source: "crlf.jsonl")
        }
        #expect(error?.line == 4)
        let good = try MetricsReader.read(text: String(text.dropLast(5)), source: "crlf.jsonl")
        #expect(good.first?.epochs.map(\.epoch) == [1, 2])
    }

    @Test func longBadLinesAreShortenedInTheMessage() {
        let error = #expect(throws: MetricsFormatError.self) {
            try MetricsReader.read(text: String(repeating: "x", count: 500), source: "long.jsonl")
        }
        #expect((error?.description.count ?? 0) < 100)
    }
}
