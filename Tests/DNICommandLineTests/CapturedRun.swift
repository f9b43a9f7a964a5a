import DNICommandLine

/// What one `dni` invocation printed and returned, captured instead of written to the test log.
struct CapturedRun {
    /// The exit status.
    var status: Int32
    /// Everything written to the results stream (standard output).
    var standardOutput: String
    /// Everything written to the diagnostics stream (standard error).
    var standardError: String

    /// The results stream's lines.
    var lines: [String] {
        standardOutput.split(separator: "\n").map(String.init)
    }

    /// Runs `dni arguments`, capturing both streams.
    init(_ arguments: [String]) {
        let results = TextBuffer(), diagnostics = TextBuffer()
        let output = CommandOutput(result: { results.text += $0 }, diagnostic: { diagnostics.text += $0 })
        status = DNICommand.run(arguments: arguments, output: output)
        standardOutput = results.text
        standardError = diagnostics.text
    }
}

/// Text appended to by a capturing ``CommandOutput`` (a class, so its closures share it).
final class TextBuffer {
    var text = ""
}
