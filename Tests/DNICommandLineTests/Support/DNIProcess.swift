import Foundation

/// Runs the built `dni` executable in a child process and captures what it writes, so that
/// command-line tests see exactly what a user would (exit status, standard output, standard
/// error) and print nothing into the test log.
struct DNIProcess {
    /// What one run of `dni` produced.
    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
        /// Whether the process ended by a signal rather than by `exit`.
        var killedBySignal: Bool

        /// The non-empty lines of standard error, without the `data: …` line that `train` and
        /// `compare` print before training (which data is in use).
        var errorLines: [String] {
            standardError.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("data: ") }
        }
        /// ``errorLines`` as one text.
        var problems: String { errorLines.joined(separator: "\n") }
        /// The non-empty lines of standard output.
        var outputLines: [String] { standardOutput.split(separator: "\n").map(String.init) }
    }

    /// Errors of the harness itself (not of `dni`).
    struct HarnessError: Error, CustomStringConvertible {
        var description: String
    }

    /// The `dni` executable built next to the test bundle (`swift test` builds every product):
    /// looked for beside the running test executable and up to four folders above it, then in
    /// the package's `.build/debug` (on macOS the tests may run inside a helper elsewhere).
    static func executable() throws -> URL {
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent("dni"))
            directory = directory.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/dni"))
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw HarnessError(description: "no dni executable near \(CommandLine.arguments[0]) or in \(packageRoot.path)/.build/debug; run `swift build` first")
    }

    /// Starts `dni arguments` with pipes on standard output and standard error.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        var processEnvironment = ProcessInfo.processInfo.environment
        processEnvironment["DNI_DATA"] = nil
        for (key, value) in environment { processEnvironment[key] = value }
        process.environment = processEnvironment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return (process, output, error)
    }

    /// Runs `dni arguments` to the end.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let (process, output, error) = try start(arguments, environment: environment)
        return finish(process, output, error)
    }

    /// Reads both pipes to their end (concurrently, so neither can fill up and block the child)
    /// and waits for `process`.
    static func finish(_ process: Process, _ output: Pipe, _ error: Pipe) -> Outcome {
        let errorData = LockedData()
        let reader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self),
            killedBySignal: process.terminationReason == .uncaughtSignal)
    }
}

/// Bytes handed from the reader thread to the test, behind a lock.
///
/// `@unchecked Sendable`: every access to `storage` and `done` holds `lock`.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Data()
    private var done = false

    func set(_ data: Data) {
        lock.lock(); storage = data; done = true; lock.unlock()
    }

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return done }
    var value: Data { lock.lock(); defer { lock.unlock() }; return storage }
}
