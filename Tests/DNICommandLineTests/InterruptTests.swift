import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM stop a run cleanly: the step in progress finishes, the summary so far is
/// printed, the status is 130 or 143; a second SIGINT ends the process at once with 130.
/// Driven through the built `dni` executable, as a user's shell would.
@Suite(.serialized) struct InterruptTests {
    /// Starts `dni arguments`, waits for its first line of standard output, sends `signals`
    /// (`pause` seconds apart), and returns the outcome with the early output included.
    static func interrupt(_ arguments: [String], with signals: [Int32], pause: Double = 0.05) throws -> DNIProcess.Outcome {
        let (process, output, error) = try DNIProcess.start(arguments)
        var early = Data()
        while !early.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            early.append(chunk)
        }
        for (index, signal) in signals.enumerated() {
            if index > 0 { usleep(UInt32(pause * 1e6)) }
            kill(process.processIdentifier, signal)
        }
        var outcome = DNIProcess.finish(process, output, error)
        outcome.standardOutput = String(decoding: early, as: UTF8.self) + outcome.standardOutput
        return outcome
    }

    /// A run long enough never to finish on its own within a test.
    static let longRun = ["train", "--task", "addition", "--epochs", "100000", "--examples", "256", "--test-examples", "64"]

    @Test func sigintPrintsTheSummarySoFarAndExits130() throws {
        let outcome = try Self.interrupt(Self.longRun + ["--json"], with: [SIGINT])
        #expect(outcome.status == 130, "\(outcome.standardError)")
        #expect(!outcome.killedBySignal)
        #expect(outcome.outputLines.contains { $0.hasPrefix(#"{"event":"epoch","epoch":1,"#) })
        #expect(outcome.outputLines.last?.hasPrefix(#"{"event":"summary","task":"addition""#) == true)
        #expect(outcome.errorLines == ["dni: interrupted by SIGINT: training stopped between steps; the summary covers the steps done"])
    }

    @Test func sigtermPrintsTheTableAndExits143() throws {
        let outcome = try Self.interrupt(["compare"] + Self.longRun.dropFirst(), with: [SIGTERM])
        #expect(outcome.status == 143, "\(outcome.standardError)")
        #expect(outcome.outputLines.contains { $0.hasPrefix("method ") })
        // The first method was stopped; the others never started.
        #expect(outcome.outputLines.last?.hasPrefix("backprop ") == true, "\(outcome.standardOutput)")
        #expect(outcome.errorLines == ["dni: interrupted by SIGTERM: training stopped between steps; the summary covers the steps done"])
    }

    @Test func aSecondSigintExitsAtOnce() throws {
        // Wide MNIST layers make the step in progress and the evaluation after it take far longer
        // than the pause between the two signals, so the second one arrives while the first is
        // still being honoured.
        let arguments = ["train", "--task", "mnist", "--hidden", "512", "--layers", "2", "--epochs", "50",
                         "--probe-every", "1", "--method", "cdni", "--json"]
        let outcome = try Self.interrupt(arguments, with: [SIGINT, SIGINT], pause: 0.05)
        #expect(outcome.status == 130)
        #expect(!outcome.killedBySignal)
        #expect(!outcome.standardOutput.contains(#""event":"summary""#), "\(outcome.standardOutput)")
        #expect(outcome.errorLines.isEmpty, "\(outcome.standardError)")
    }

    @Test func sigintStopsARecurrentRunAfterItsWindow() throws {
        let outcome = try Self.interrupt(["train", "--task", "copy", "--method", "dni", "--hidden", "16", "--steps", "100000000",
                                          "--json"], with: [SIGINT])
        #expect(outcome.status == 130, "\(outcome.standardError)")
        #expect(!outcome.killedBySignal)
        #expect(outcome.outputLines.last?.hasPrefix(#"{"event":"summary","task":"copy""#) == true, "\(outcome.standardOutput)")
    }
}
