import DNI
import DNICommandLine
import Foundation
import Testing

/// `--network cnn` on MNIST and `--task cifar10`: the settings they resolve to, the methods the
/// CNN refuses, and a short run on generated CIFAR-10 files.
@Suite struct ConvolutionalCommandTests {
    @Test func printConfigNamesTheCNNAndItsDefaults() throws {
        let run = CapturedRun(["train", "--task", "mnist", "--network", "cnn", "--method", "cdni", "--print-config"])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
        let defaults = MNISTExperiment(method: .cdni, network: .cnn)
        #expect(object["network"] as? String == "cnn")
        #expect(object["layers"] as? Int == defaults.layers)
        #expect(object["hidden_size"] as? Int == defaults.hiddenSize)
        #expect(object["batch_size"] as? Int == defaults.batchSize)
        #expect(object["optimizer"] as? String == "adam")
        let synthesizer = try #require(object["synthesizer"] as? [String: Any])
        #expect(synthesizer["hidden_layers"] as? Int == defaults.synthesizer.hiddenLayers)
        #expect(synthesizer["normalized_targets"] as? Bool == true)
        #expect((object["learning_rate"] as? Double).map(Float.init) == defaults.learningRate)
        let raw = CapturedRun(["train", "--task", "mnist", "--network", "cnn", "--method", "cdni",
                               "--no-synthesizer-normalized-targets", "--print-config"])
        #expect(raw.status == 0 && raw.standardOutput.contains("\"normalized_targets\": false"))
        // The fully connected default does not name a network.
        let fullyConnected = CapturedRun(["train", "--task", "mnist", "--print-config"])
        #expect(!fullyConnected.standardOutput.contains("\"network\""))
        #expect(!fullyConnected.standardOutput.contains("normalized_targets"))
        let compare = CapturedRun(["compare", "--task", "mnist", "--network", "cnn", "--layers", "2",
                                   "--methods", "backprop,cdni", "--print-config"])
        #expect(compare.status == 0)
        #expect(compare.standardOutput.components(separatedBy: "\"network\": \"cnn\"").count == 3)
        #expect(compare.standardOutput.components(separatedBy: "\"layers\": 2").count == 3)
    }

    @Test func helpSaysTheDefaultNetworkAndWhatCNNChanges() {
        let help = CapturedRun(["train", "--help"]).standardOutput
            .split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        let cnn = MNISTExperiment(method: .backprop, network: .cnn)
        #expect(help.contains("(default: fc; cnn sets --layers \(cnn.layers) --hidden \(cnn.hiddenSize)"))
    }

    @Test func badCombinationsAreOneLineErrors() {
        let fa = CapturedRun(["train", "--task", "mnist", "--network", "cnn", "--method", "fa", "--epochs", "1"])
        #expect(fa.status == 2)
        #expect(fa.standardError.contains("--network cnn trains with backprop, dni, cdni, not fa"))
        let addition = CapturedRun(["train", "--task", "addition", "--network", "cnn"])
        #expect(addition.status == 2 && addition.standardError.contains("--network applies to"))
        let noData = CapturedRun(["train", "--task", "cifar10"])
        #expect(noData.status == 2 && noData.standardError.contains("--task cifar10 needs --data DIR"))
        for arguments in [["--task", "mnist"], ["--task", "addition"], ["--task", "copy", "--method", "dni"]] {
            let normalized = CapturedRun(["train"] + arguments + ["--synthesizer-normalized-targets"])
            #expect(normalized.status == 2 && normalized.standardError.contains("--synthesizer-normalized-targets applies to"),
                    "\(arguments): \(normalized.standardError)")
        }
    }

    /// CIFAR-10 binary batch files of `count` records each (label byte, then 3,072 pixel bytes).
    static func writeCIFAR10(to directory: URL, count: Int) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (file, name) in (CIFAR10Dataset.FileName.trainingBatches + [CIFAR10Dataset.FileName.testBatch]).enumerated() {
            var bytes: [UInt8] = []
            for record in 0..<count {
                let label = (record + file) % 10
                bytes.append(UInt8(label))
                // Each class a different brightness in one colour plane, so the task is learnable.
                for plane in 0..<3 {
                    for pixel in 0..<1024 {
                        bytes.append(plane == label % 3 ? UInt8(20 * label + pixel % 7) : UInt8((pixel * 13 + record) % 50))
                    }
                }
            }
            try Data(bytes).write(to: directory.appendingPathComponent(name))
        }
    }

    @Test func cifar10TrainsTheCNNOnGeneratedFiles() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dni-cifar10-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeCIFAR10(to: directory, count: 12)
        let arguments = ["train", "--task", "cifar10", "--data", directory.path, "--method", "cdni", "--layers", "1",
                         "--hidden", "2", "--synthesizer-hidden-layers", "0", "--batch-size", "10", "--epochs", "1",
                         "--threads", "1", "--json"]
        let run = CapturedRun(arguments)
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.lines
        #expect(lines.first?.contains("\"task\":\"cifar10\"") == true, "\(lines.first ?? "")")
        #expect(lines.first?.contains("\"train_examples\":60") == true)
        #expect(lines.last?.contains("\"event\":\"summary\"") == true, "\(lines.last ?? "")")
        let config = CapturedRun(arguments + ["--print-config"])
        #expect(config.standardOutput.contains("\"network\": \"cnn\""))
        let limited = CapturedRun(arguments + ["--examples", "20"])
        #expect(limited.status == 0)
        #expect(limited.lines.first?.contains("\"train_examples\":20") == true)
        let tooMany = CapturedRun(arguments + ["--examples", "61"])
        #expect(tooMany.status == 2)
        // A checkpoint of the CNN run scores the same network again (`dni eval`).
        let checkpoint = directory.appendingPathComponent("run.dni").path
        let saved = CapturedRun(arguments + ["--checkpoint", checkpoint])
        #expect(saved.status == 0, "\(saved.standardError)")
        let digest = try #require(saved.lines.last?.components(separatedBy: "\"parameters_sha256\":\"").dropFirst().first?.prefix(64))
        let evaluated = CapturedRun(["eval", "--checkpoint", checkpoint])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        #expect(evaluated.lines.last == "parameters_sha256 \(digest)", "\(evaluated.standardOutput)")
    }
}

/// `--unlock forward` (the complete unlock) on the command line.
@Suite struct ForwardUnlockCommandTests {
    @Test func printConfigAndRefusedCombinations() throws {
        let run = CapturedRun(["train", "--task", "mnist", "--method", "cdni", "--unlock", "forward", "--print-config"])
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("\"unlock\": \"forward\""))
        #expect(!CapturedRun(["train", "--task", "mnist", "--print-config"]).standardOutput.contains("\"unlock\""))
        let backprop = CapturedRun(["train", "--task", "mnist", "--unlock", "forward", "--epochs", "1"])
        #expect(backprop.status == 2 && backprop.standardError.contains("--unlock forward needs synthesizers"))
        let delayed = CapturedRun(["train", "--task", "mnist", "--method", "dni", "--unlock", "forward", "--epochs", "1",
                                   "--execution", "pipelined", "--delay", "2"])
        #expect(delayed.status == 2 && delayed.standardError.contains("delay 1 only"))
        let addition = CapturedRun(["train", "--task", "addition", "--unlock", "forward"])
        #expect(addition.status == 2)
    }

    @Test func aShortRunReportsTheSyntheticInputs() {
        let run = CapturedRun(["train", "--task", "mnist", "--method", "dni", "--unlock", "forward", "--hidden", "16",
                               "--layers", "2", "--examples", "200", "--batch-size", "20", "--epochs", "1",
                               "--threads", "1", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = run.lines.last ?? ""
        #expect(summary.contains("\"execution\":\"sequential-unlocked\""), "\(summary)")
        #expect(summary.contains("input_cosine_stage_1") && summary.contains("input_relative_error_stage_2"), "\(summary)")
    }

    /// `--network cnn --unlock forward`: a short run on the bundled subset reports the synthetic
    /// inputs of both stages, pipelined gives the same weights, a checkpoint is scored by `dni
    /// eval`; what stays refused on the CNN exits 2 with one line.
    @Test func theCNNRunsWithTheCompleteUnlock() throws {
        let small = ["train", "--task", "mnist", "--network", "cnn", "--method", "cdni", "--unlock", "forward",
                     "--hidden", "4", "--layers", "2", "--synthesizer-hidden-layers", "1", "--synthesizer-hidden-size", "4",
                     "--examples", "64", "--batch-size", "16", "--epochs", "1", "--threads", "1"]
        let run = CapturedRun(small + ["--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = run.lines.last ?? ""
        #expect(summary.contains("\"execution\":\"sequential-unlocked\""), "\(summary)")
        #expect(summary.contains("input_cosine_stage_2") && summary.contains("input_relative_error_stage_1"), "\(summary)")
        let config = CapturedRun(small + ["--print-config"])
        #expect(config.status == 0 && config.standardOutput.contains("\"unlock\": \"forward\""))
        let pipelined = CapturedRun(small + ["--execution", "pipelined", "--stage-groups", "2,1", "--json"])
        #expect(pipelined.status == 0, "\(pipelined.standardError)")
        #expect((pipelined.lines.last ?? "").contains("\"execution\":\"pipelined-unlocked\""), "\(pipelined.standardOutput)")
        // The same weights as the sequential run above.
        func digest(_ line: String?) -> Substring? {
            line?.split(separator: ",").first { $0.hasPrefix("\"parameters_sha256\"") }
        }
        #expect(digest(run.lines.last) != nil && digest(pipelined.lines.last) == digest(run.lines.last))
        // Checkpoints hold the input models; `dni eval` scores the saved network by its real chain.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-unlock-checkpoint-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.dni").path
        let saved = CapturedRun(small + ["--checkpoint", path, "--save-every", "2", "--json"])
        #expect(saved.status == 0, "\(saved.standardError)")
        #expect(digest(saved.lines.last) == digest(run.lines.last), "checkpoints changed the run")
        let evaluated = CapturedRun(["eval", "--checkpoint", path])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        let evaluatedDigest = evaluated.lines.last.map { String($0.dropFirst("parameters_sha256 ".count)) }
        #expect(evaluatedDigest.map { digest(run.lines.last)?.contains($0) ?? false } == true, "\(evaluated.standardOutput)")
        for refused in [["--execution", "mpi"], ["--delay", "2"]] {
            let refusal = CapturedRun(small + refused)
            #expect(refusal.status == 2, "\(refused): \(refusal.standardError)")
            // The data line, then the refusal: one line.
            let errors = refusal.standardError.split(separator: "\n").filter { !$0.hasPrefix("data:") }
            #expect(errors.count == 1, "\(refused): \(refusal.standardError)")
        }
    }
}
