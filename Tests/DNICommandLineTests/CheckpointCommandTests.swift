import DNI
import Foundation
import Testing

/// `--checkpoint`, `--save-every`, `--resume` and `dni eval` through the built executable: what
/// they write, and one line with exit 2 for every bad use (docs/errors.md).
@Suite struct CheckpointCommandTests {
    /// A scratch directory removed after `body`.
    static func inDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.path)
    }

    static let shortRun = ["train", "--task", "addition", "--method", "cdni", "--examples", "256", "--test-examples", "64",
                           "--epochs", "2"]

    /// Expects exit 2, one line on standard error containing every one of `parts`, nothing on
    /// standard output.
    static func expectBadInput(_ arguments: [String], _ parts: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try DNIProcess.run(arguments)
        #expect(outcome.status == 2, "\(arguments): \(outcome.standardError)", sourceLocation: sourceLocation)
        #expect(outcome.errorLines.count == 1, "\(outcome.standardError)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(outcome.problems.contains(part), "\(outcome.problems) lacks \(part)", sourceLocation: sourceLocation)
        }
        #expect(outcome.standardOutput.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func aCheckpointResumesEvaluatesAndNamesItsRun() throws {
        try Self.inDirectory { directory in
            let path = directory + "/run.dni"
            let trained = try DNIProcess.run(Self.shortRun + ["--checkpoint", path, "--json"])
            #expect(trained.status == 0, "\(trained.standardError)")
            let summary = try #require(trained.outputLines.last)
            #expect(summary.contains(#""checkpoints_written":1"#))
            let file = try CheckpointFile(contentsOf: path)
            let header = String(decoding: file.header, as: UTF8.self)
            #expect(header.contains(#""method": "cdni""#) && header.contains(#""epochs": 2"#))
            #expect(file.section(named: "stage.0.synthesizer.layers.0.weight") != nil)
            #expect(file.section(named: "trainer.order") != nil)
            #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))

            // Resuming a finished run changes nothing and prints the same digest.
            let resumed = try DNIProcess.run(["train", "--resume", path, "--json"])
            #expect(resumed.status == 0, "\(resumed.standardError)")
            let digest = try #require(summary.split(separator: ",").first { $0.contains("parameters_sha256") })
            #expect(resumed.outputLines.last?.contains(digest) == true)
            #expect(resumed.outputLines.filter { $0.hasPrefix(#"{"event":"epoch""#) }.count == 2, "the saved epochs are replayed")

            let evaluated = try DNIProcess.run(["eval", "--checkpoint", path])
            #expect(evaluated.status == 0, "\(evaluated.standardError)")
            #expect(evaluated.outputLines.first?.hasPrefix("addition, cdni, epoch 2,") == true, "\(evaluated.standardOutput)")
            #expect(evaluated.outputLines.last == "parameters_sha256 " + digest.split(separator: ":")[1].filter { $0 != "\"" && $0 != "}" })
        }
    }

    @Test func badCheckpointUseIsBadInput() throws {
        try Self.inDirectory { directory in
            let path = directory + "/run.dni"
            #expect(try DNIProcess.run(Self.shortRun + ["--checkpoint", path]).status == 0)
            try Self.expectBadInput(["train", "--resume", path, "--learning-rate", "0.1"],
                                    ["--resume \(path): the checkpoint was trained with learning_rate 0.5; this command gives 0.1"])
            try Self.expectBadInput(["train", "--resume", path, "--task", "mnist"], ["task \"addition\"", "\"mnist\""])
            try Self.expectBadInput(["train", "--resume", path, "--method", "dni"], ["method \"cdni\"", "\"dni\""])
            try Self.expectBadInput(["train", "--resume", directory + "/missing.dni"], ["missing.dni: cannot open"])
            try Self.expectBadInput(["eval", "--checkpoint", directory + "/missing.dni"], ["missing.dni: cannot open"])

            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
            let truncated = directory + "/truncated.dni"
            try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: truncated))
            try Self.expectBadInput(["train", "--resume", truncated], ["truncated.dni: truncated checkpoint"])
            try Self.expectBadInput(["eval", "--checkpoint", truncated], ["truncated.dni: truncated checkpoint"])
            var flipped = bytes
            flipped[bytes.count - 3] ^= 0x40
            let damaged = directory + "/damaged.dni"
            try Data(flipped).write(to: URL(fileURLWithPath: damaged))
            try Self.expectBadInput(["train", "--resume", damaged], ["damaged.dni: bad checksum"])
            let text = directory + "/text.dni"
            try Data("hello\n".utf8).write(to: URL(fileURLWithPath: text))
            try Self.expectBadInput(["train", "--resume", text], ["text.dni: not a dni checkpoint"])
            // A well-formed container that dni train did not write.
            let foreign = directory + "/foreign.dni"
            try CheckpointFile(header: Array("{}".utf8), sections: [CheckpointSection(name: "x", floats: [1])]).write(to: foreign)
            try Self.expectBadInput(["train", "--resume", foreign], ["foreign.dni: no 'run.arguments' section"])
            try Self.expectBadInput(["eval", "--checkpoint", foreign], ["foreign.dni: no 'run.arguments' section"])
        }
    }

    @Test func badCheckpointFlagsAreBadInputBeforeTraining() throws {
        try Self.inDirectory { directory in
            try Self.expectBadInput(Self.shortRun + ["--save-every", "5"], ["--save-every needs --checkpoint PATH"])
            try Self.expectBadInput(Self.shortRun + ["--checkpoint", directory + "/c.dni", "--save-every", "0"],
                                    ["--save-every must be at least 1, got 0"])
            try Self.expectBadInput(Self.shortRun + ["--checkpoint", directory + "/missing/c.dni"],
                                    ["--checkpoint \(directory)/missing/c.dni: no such directory"])
            try Self.expectBadInput(Self.shortRun + ["--checkpoint", directory], ["is a directory, expected a file name"])
            try Self.expectBadInput(["train", "--task", "copy", "--checkpoint", directory + "/c.dni"],
                                    ["not supported for --task copy yet"])
            #expect(!FileManager.default.fileExists(atPath: directory + "/c.dni"))
        }
    }
}
