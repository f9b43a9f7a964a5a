import DNI
import DNICommandLine
import Foundation
import Testing

/// `dni train`: the help shows every default, `--print-config` the resolved settings, a line
/// names the data, and probes run by default only where a report will draw them.
@Suite struct TrainCommandTests {
    /// A tiny addition run: 3-bit sums, 64 examples, one epoch.
    static let tinyAddition = ["--bits", "3", "--examples", "64", "--test-examples", "16", "--hidden", "8",
                               "--batch-size", "8", "--epochs", "1"]

    @Test func helpShowsEachTasksDefaultsFromTheExperimentTypes() {
        let run = CapturedRun(["train", "--help"])
        #expect(run.status == 0)
        // The help wraps lines; compare with the spaces collapsed.
        let help = run.standardOutput.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        let addition = AdditionExperiment(), mnist = MNISTExperiment()
        #expect(help.contains("(default: \(addition.epochs) for addition, \(mnist.epochs) for mnist)"))
        #expect(help.contains("(default: \(addition.batchSize) for addition, \(mnist.batchSize) for mnist)"))
        #expect(help.contains("(default: \(addition.learningRate) (dni: \(AdditionExperiment(method: .dni).learningRate)) for addition, "
                              + "\(mnist.learningRate) (dni: \(MNISTExperiment(method: .dni).learningRate)) for mnist)"))
        #expect(help.contains("(default: 128,64 for addition, \(mnist.hiddenSize) for mnist)"))
        #expect(help.contains("--bits <bits> Addition: bits per operand and sum (the post: 8 or 12). (default: \(addition.bits))"))
        #expect(help.contains("(the paper: 3 to 6). (default: \(mnist.layers))"))
        #expect(help.contains("(default: \(addition.optimizer.rawValue) for addition, \(mnist.optimizer.rawValue) for mnist)"))
        #expect(help.contains("(default: 60 for addition, 8 for mnist)"))
        // The overview names every method.
        #expect(help.contains("Train a network with backprop, dni, cdni, fa or dfa"))
        // Every option but the flags and the ones without a value shows a default.
        for option in ["--epochs", "--batch-size", "--learning-rate", "--hidden", "--bits", "--layers", "--optimizer",
                       "--decay-epochs", "--examples", "--synthesizer-learning-rate", "--probe-every"] {
            let after = help.components(separatedBy: option + " <").dropFirst().first ?? ""
            let entry = after.components(separatedBy: " --").first ?? ""
            #expect(entry.contains("default:"), "\(option): \(entry)")
        }
    }

    @Test func printConfigIsTheResolvedConfigurationAsJSON() throws {
        let run = CapturedRun(["train", "--task", "mnist", "--print-config"])
        #expect(run.status == 0)
        #expect(run.standardError.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(object["task"] as? String == "mnist")
        #expect(object["method"] as? String == "backprop")
        #expect(object["learning_rate_decay_epochs"] as? [Int] == [8])
        #expect(object["epochs"] as? Int == 10)
        #expect(object["learning_rate"] as? Double == 0.001)
        #expect(object["probe_every"] is NSNull)
        let synthesizer = try #require(object["synthesizer"] as? [String: Any])
        #expect(synthesizer["hidden_layers"] as? Int == 0)
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["train_examples"] as? Int == MNISTDataset.bundledTrainingCount)
    }

    @Test func printConfigAppliesTheFlags() throws {
        let run = CapturedRun(["train", "--task", "addition", "--method", "dni", "--epochs", "3", "--decay-epochs", "none",
                               "--report", "/never/written.html", "--print-config"])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        #expect(object["epochs"] as? Int == 3)
        #expect(object["learning_rate_decay_epochs"] as? [Int] == [])
        #expect(object["learning_rate"] as? Double == 0.05)
        // With --report, dni probes four times per epoch: 10,000 / 16 = 625 steps, every 156.
        #expect(object["probe_every"] as? Int == 156)
    }

    /// docs/reproducing-the-paper.md quotes `--print-config`; the quote must be what it prints.
    @Test func theDocsQuoteThePrintedConfiguration() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/reproducing-the-paper.md"), encoding: .utf8)
        for (marker, arguments) in [("mnist", ["train", "--task", "mnist", "--print-config"]),
                                    ("addition", ["train", "--task", "addition", "--print-config"])] {
            let start = "<!-- print-config \(marker): generated by Scripts/quote-config.sh -->\n```json\n"
            let quote = try #require(docs.components(separatedBy: start).dropFirst().first?.components(separatedBy: "```").first,
                                     "no \(marker) quote")
            #expect(quote == CapturedRun(arguments).standardOutput, "run Scripts/quote-config.sh")
        }
    }

    @Test func aLineSaysWhichDataIsInUse() throws {
        let text = CapturedRun(["train"] + Self.tinyAddition)
        #expect(text.status == 0)
        #expect(text.standardError == "data: binary addition of 3-bit numbers, 64 generated training problems and 16 held-out test problems (from the seed)\n")
        let json = CapturedRun(["train", "--json"] + Self.tinyAddition)
        #expect(json.lines.first == #"{"event":"data","task":"addition","source":"generated","bits":3,"train_examples":64,"available_train_examples":64,"test_examples":16}"#)
        #expect(json.standardError.isEmpty)
    }

    @Test func theBundledMNISTSubsetIsNamed() {
        let run = CapturedRun(["train", "--task", "mnist", "--examples", "512", "--layers", "1", "--hidden", "4",
                               "--epochs", "1", "--steps", "1", "--json"])
        #expect(run.status == 0)
        #expect(run.lines.first == #"{"event":"data","task":"mnist","source":"bundled subset","train_examples":512,"available_train_examples":5000,"test_examples":1000}"#)
        let tooMany = CapturedRun(["train", "--task", "mnist", "--examples", "5001"])
        #expect(tooMany.status == 2)
        #expect(tooMany.standardError == "dni: --examples 5001 is more than the 5000 training images of the bundled subset\n")
    }

    @Test func probesRunByDefaultOnlyWithAReport() throws {
        let plain = CapturedRun(["train", "--method", "dni", "--json"] + Self.tinyAddition)
        #expect(plain.status == 0)
        #expect(!plain.standardOutput.contains(#""event":"probe""#))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("report.html").path
        let reported = CapturedRun(["train", "--method", "dni", "--report", path] + Self.tinyAddition)
        #expect(reported.status == 0)
        // 64 / 8 = 8 steps per epoch, a probe every 2 steps.
        #expect(reported.lines.filter { $0.hasPrefix("dni probe step") }.count >= 4)
        #expect(reported.lines.last == "report: \(path)")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("Synthetic-gradient cosine"))

        let off = CapturedRun(["train", "--method", "dni", "--report", path, "--probe-every", "0"] + Self.tinyAddition)
        #expect(!off.standardOutput.contains("probe step"))
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("Synthetic-gradient cosine"))
    }
}
