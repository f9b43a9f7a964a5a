import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact resume through the built `dni`, as a user meets it (issue 10): a run saving a
/// checkpoint every few steps is killed with SIGKILL at three points — after its first
/// checkpoint, and twice more, each time in the run resumed from the last checkpoint — and the
/// last resumed run ends with the `parameters_sha256` and test metrics of the run that was never
/// killed. For backprop, DNI and cDNI on MNIST (the bundled subset) and binary addition.
@Suite struct KillAndResumeTests {
    /// Settings small enough for a debug build, long enough for three kills.
    static func arguments(task: String, method: String) -> [String] {
        switch task {
        case "mnist":
            ["train", "--task", "mnist", "--method", method, "--examples", "1000", "--batch-size", "50",
             "--hidden", "32", "--synthesizer-hidden-size", "32", "--epochs", "3", "--decay-epochs", "2"]
        default:
            ["train", "--task", "addition", "--method", method, "--examples", "2000", "--epochs", "6"]
        }
    }

    /// The inode of `path`, or nil: each checkpoint is a new file renamed over the old one.
    static func inode(_ path: String) -> UInt64? {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_ino) : nil
    }

    /// Starts `arguments`, waits until the checkpoint at `path` has been replaced `writes` times
    /// (or the run ended), kills the process with SIGKILL and returns whether it was still running.
    static func killAfter(writes: Int, _ arguments: [String], checkpoint path: String) throws -> Bool {
        let (process, output, error) = try DNIProcess.start(arguments)
        var seen = inode(path)
        var count = 0
        while process.isRunning && count < writes {
            usleep(2_000)
            let now = inode(path)
            if now != nil && now != seen {
                seen = now
                count += 1
            }
        }
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        let outcome = DNIProcess.finish(process, output, error)
        if killed { #expect(outcome.killedBySignal || outcome.status != 0) }
        return killed
    }

    /// The summary line's fields that must agree.
    static func outcome(_ lines: [String]) -> String? {
        guard let summary = lines.last(where: { $0.hasPrefix(#"{"event":"summary""#) }) else { return nil }
        let fields = summary.dropFirst().dropLast().split(separator: ",")
        return fields.filter { field in
            ["\"parameters_sha256\"", "\"test_loss\"", "\"test_accuracy\"", "\"train_loss\"", "\"epochs\""]
                .contains { field.hasPrefix($0) }
        }.joined(separator: ",")
    }

    @Test(arguments: ["addition", "mnist"], ["backprop", "dni", "cdni"])
    func killedThreeTimesAndResumedEndsLikeTheUninterruptedRun(task: String, method: String) throws {
        try expectKilledRunsResumeExactly(Self.arguments(task: task, method: method), name: "\(task)-\(method)")
    }

    /// The same under pipelined execution (two stage groups on two threads, delay 2).
    @Test(arguments: ["dni", "cdni"])
    func pipelinedRunsKilledAndResumedEndLikeTheUninterruptedRun(method: String) throws {
        try expectKilledRunsResumeExactly(Self.arguments(task: "mnist", method: method) + ["--execution", "pipelined"],
                                          name: "pipelined-\(method)")
    }

    func expectKilledRunsResumeExactly(_ base: [String], name: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-kill-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.dni").path

        let reference = try DNIProcess.run(base + ["--json"])
        #expect(reference.status == 0, "\(reference.standardError)")
        let expected = try #require(Self.outcome(reference.outputLines))
        #expect(expected.contains("parameters_sha256"))

        var kills = 0
        if try Self.killAfter(writes: 1, base + ["--checkpoint", path, "--save-every", "3", "--json"], checkpoint: path) {
            kills += 1
        }
        for writes in [2, 3] {
            if try Self.killAfter(writes: writes, ["train", "--resume", path, "--json"], checkpoint: path) { kills += 1 }
        }
        #expect(kills == 3, "the run ended before it could be killed three times; make it longer")
        let resumed = try DNIProcess.run(["train", "--resume", path, "--json"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(Self.outcome(resumed.outputLines) == expected, "\(name)")

        let evaluated = try DNIProcess.run(["eval", "--checkpoint", path, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        let digest = expected.split(separator: ",").first { $0.hasPrefix("\"parameters_sha256\"") }.map(String.init)
        #expect(digest.map { evaluated.standardOutput.contains($0) } == true, "\(evaluated.standardOutput)")
    }

    @Test func ctrlCSavesACheckpointThatResumesExactly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-sigint-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.dni").path
        let base = ["train", "--task", "addition", "--method", "dni", "--examples", "2000", "--epochs", "30"]
        let reference = try DNIProcess.run(base + ["--json"])
        let expected = try #require(Self.outcome(reference.outputLines))

        // Interrupted once its first epoch is reported: the epoch under way is saved part-done.
        let (process, output, error) = try DNIProcess.start(base + ["--checkpoint", path, "--json"])
        var early = Data()
        while !String(decoding: early, as: UTF8.self).contains(#"{"event":"epoch""#) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            early.append(chunk)
        }
        kill(process.processIdentifier, SIGINT)
        let interrupted = DNIProcess.finish(process, output, error)
        #expect(interrupted.status == 130, "\(interrupted.standardError)")
        let stopped = String(decoding: early, as: UTF8.self) + interrupted.standardOutput
        #expect(stopped.contains(#""checkpoints_written":1"#), "\(stopped)")

        let resumed = try DNIProcess.run(["train", "--resume", path, "--json"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(Self.outcome(resumed.outputLines) == expected)
    }
}
