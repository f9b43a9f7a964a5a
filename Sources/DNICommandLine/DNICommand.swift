import ArgumentParser
import DNI
import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `dni` command: train networks with synthetic gradients (Jaderberg et al. 2016).
public struct DNICommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dni",
        abstract: "Train neural networks with synthetic gradients (Decoupled Neural Interfaces).",
        version: DNIVersion.string,
        subcommands: [Train.self, Eval.self, Compare.self, Report.self, Table.self, Bench.self, Info.self]
    )

    public init() {}

    /// Parses the process arguments, runs the chosen command and exits with the status of
    /// docs/errors.md: 0 success, 1 training failed, 2 bad input — one line on standard error,
    /// never a crash trace.
    public static func runAsMain(_ arguments: [String]? = nil) -> Never {
        // Ctrl-C and SIGTERM: finish the step, print the summary so far, exit 130/143. Not in a
        // rank started by mpirun, which shuts its ranks down with SIGTERM.
        if environmentValue("OMPI_COMM_WORLD_SIZE") == nil && environmentValue("PMI_SIZE") == nil {
            InterruptMonitor.installHandlers()
        }
        let status = run(arguments: arguments ?? Array(CommandLine.arguments.dropFirst()))
        terminateProcess(status)
    }

    /// Runs `arguments` and returns the exit status instead of exiting; everything the command
    /// prints goes to `output` (tests pass one that captures it).
    public static func run(arguments: [String], output: CommandOutput = .process) -> Int32 {
        do {
            let arguments = try CheckpointArguments.expand(NegativeNumberArguments.joined(arguments))
            var command = try parseAsRoot(arguments)
            if let invoked = command as? any InvocationCommand {
                try invoked.run(output: output, arguments: arguments)
            } else if let writing = command as? any OutputCommand {
                try writing.run(output: output)
            } else {
                try command.run()
            }
            return 0
        } catch {
            return report(error, to: output)
        }
    }

    /// Writes `error` as one line (or help text) to `output` and returns its exit status.
    static func report(_ error: Error, to output: CommandOutput) -> Int32 {
        if let failure = error as? TrainingFailure {
            output.diagnostic("dni: training failed: \(failure.description)")
            return 1
        }
        if let interruption = error as? TrainingInterrupted {
            output.diagnostic("dni: \(interruption.description)")
            return interruption.exitStatus
        }
        if let failure = error as? InputError {
            output.diagnostic("dni: \(failure.description)")
            return 2
        }
        let code = exitCode(for: error)
        if code == .success {
            // --help and --version: the parser's text on standard output.
            output.line(fullMessage(for: error))
            return 0
        }
        let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        output.diagnostic("dni: \(message)")
        return 2
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Ends the process with `status` (the C library's `exit`, which flushes standard output).
func terminateProcess(_ status: Int32) -> Never {
    exit(status)
}

/// The POSIX `write` system call.
private func systemWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, pointer, count)
}
