import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command's text goes: results (tables, JSON Lines, help) to one stream, diagnostics
/// (the data line, error messages) to the other. ``process`` is the real standard output and
/// standard error; tests pass their own closures to capture both instead of printing into the
/// test log.
public struct CommandOutput {
    /// Writes text to the results stream (standard output); no newline is added.
    let writeResult: (String) -> Void
    /// Writes text to the diagnostics stream (standard error); no newline is added.
    let writeDiagnostic: (String) -> Void
    /// True when the results stream is a terminal, so progress can be redrawn in place.
    public let isTerminal: Bool

    /// An output that hands each piece of text to `result` or `diagnostic`.
    public init(isTerminal: Bool = false, result: @escaping (String) -> Void, diagnostic: @escaping (String) -> Void) {
        self.writeResult = result
        self.writeDiagnostic = diagnostic
        self.isTerminal = isTerminal
    }

    /// The process's standard output and standard error. Standard output is flushed after every
    /// write so that progress shows as it happens, also through a pipe.
    public static var process: CommandOutput {
        CommandOutput(
            isTerminal: isatty(STDOUT_FILENO) == 1,
            result: { text in
                print(text, terminator: "")
                fflush(nil)
            },
            diagnostic: { text in
                var stream = StandardError()
                stream.write(text)
            })
    }

    /// Writes `text` and a newline to the results stream.
    func line(_ text: String) {
        writeResult(text + "\n")
    }

    /// Writes `text` without a newline to the results stream (a progress bar redrawn in place).
    func partial(_ text: String) {
        writeResult(text)
    }

    /// Writes `text` and a newline to the diagnostics stream.
    func diagnostic(_ text: String) {
        writeDiagnostic(text + "\n")
    }
}

/// A command whose output goes through a ``CommandOutput`` that the caller chooses.
/// `run()` (the parser's entry point) writes to ``CommandOutput/process``.
protocol OutputCommand: ParsableCommand {
    /// Runs the command, writing everything it prints to `output`.
    func run(output: CommandOutput) throws
}

/// A command that also needs the arguments it was started with (``DNICommand/Train`` stores
/// them in its checkpoints, so that `--resume` can set the same run up again).
protocol InvocationCommand: OutputCommand {
    /// Runs the command, which was parsed from `arguments` (the subcommand's name first).
    func run(output: CommandOutput, arguments: [String]) throws
}
