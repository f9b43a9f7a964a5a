import ArgumentParser
import DNI

/// `dni train`'s checkpoint options: `--checkpoint PATH`, `--save-every N` and `--resume PATH`.
///
/// A checkpoint file's header is the run's resolved configuration (what `--print-config`
/// prints); its section `run.arguments` holds the `dni train` arguments that set the run up
/// (output options left out). `dni train --resume PATH` runs those arguments with the ones
/// given now appended (``expand(_:)``, before parsing), then checks that the resolved
/// configuration is still the checkpoint's: a resumed run cannot silently train something else.
struct CheckpointArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Write a checkpoint to this file at the end, on Ctrl-C or SIGTERM, and every --save-every steps (atomically: temporary file, fsync, rename).",
                               valueName: "path"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("With --checkpoint: also save after every N training steps (recurrent tasks: windows).", valueName: "n"))
    var saveEvery: Int?

    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint, bit for bit. Options given again must agree with it; --checkpoint and --save-every carry over.",
                               valueName: "path"))
    var resume: String?

    /// The section holding the run's arguments.
    static let argumentsSection = "run.arguments"

    /// Settings that do not change what a run computes, and so may differ on resume: GEMM
    /// threads (tested not to change a bit) and the probe interval (probes are off the training
    /// path), which also follows `--report`.
    static let freeSettings: Set<String> = ["execution.threads", "probe_every"]

    /// Checks the options against each other and against the files, before any training.
    func validate(execution: ExecutionSettings) throws {
        if let saveEvery {
            guard checkpoint != nil else { throw InputError("--save-every needs --checkpoint PATH") }
            guard saveEvery >= 1 else { throw InputError("--save-every must be at least 1, got \(saveEvery)") }
        }
        if checkpoint != nil || resume != nil {
            if execution.kind == .mpi {
                throw InputError("--checkpoint and --resume are not supported with --execution mpi yet")
            }
        }
        if let checkpoint { try ReportDestination.checkWritable(checkpoint, flag: "--checkpoint") }
    }

    /// The plan of a run whose resolved configuration is `configuration` (JSON), started with
    /// `arguments`: the state to resume from (checked against the configuration) and, with
    /// `--checkpoint`, the writer that saves on its own thread (call its `finish()` before
    /// reporting the run).
    func plan(configuration: String, arguments: [String]) throws -> (plan: CheckpointPlan, writer: BackgroundCheckpointWriter?) {
        var plan = CheckpointPlan(saveEvery: saveEvery)
        if let resume {
            let file = try CheckpointFile(contentsOf: resume)
            let stored = String(decoding: file.header, as: UTF8.self)
            if let difference = ConfigurationDifference.first(stored: stored, current: configuration,
                                                              ignoring: Self.freeSettings) {
                throw InputError("--resume \(resume): \(difference)")
            }
            plan.resume = StateTree(sections: file.sections.filter { $0.name != Self.argumentsSection })
        }
        guard let checkpoint else { return (plan, nil) }
        let argumentsSection = CheckpointSection(
            name: Self.argumentsSection, elementType: .uint8, shape: [Self.encode(arguments).count],
            data: Self.encode(arguments))
        let writer = BackgroundCheckpointWriter(path: checkpoint, header: Array(configuration.utf8),
                                                leadingSections: [argumentsSection])
        plan.write = { tree in try writer.save(tree) }
        return (plan, writer)
    }

    /// `dni train` arguments as they are stored: the output options (`--json`, `--report`,
    /// `--print-config`) and `--resume` left out, so that a resumed run takes them from its own
    /// command line.
    static func storable(_ arguments: [String]) -> [String] {
        var kept: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--json" || argument == "--print-config" { continue }
            if argument == "--report" || argument == "--resume" {
                index += 1
                continue
            }
            if argument.hasPrefix("--report=") || argument.hasPrefix("--resume=") { continue }
            kept.append(argument)
        }
        return kept
    }

    /// `arguments` with, for `train … --resume PATH …`, the checkpoint's stored arguments put
    /// before the given ones (which, coming last, win), so that `dni train --resume PATH` alone
    /// continues the run as it was set up.
    /// - Throws: ``InputError`` naming the file when it is not a readable checkpoint.
    static func expand(_ arguments: [String]) throws -> [String] {
        guard arguments.first == "train" else { return arguments }
        var path: String?
        for (index, argument) in arguments.enumerated() {
            if argument == "--resume", index + 1 < arguments.count { path = arguments[index + 1] }
            if argument.hasPrefix("--resume=") { path = String(argument.dropFirst("--resume=".count)) }
        }
        guard let path else { return arguments }
        let file = try CheckpointFile(contentsOf: path)
        // Another task makes other options valid or invalid; say that it differs before the
        // replayed options are checked against it (the comparison of resolved configurations
        // comes after they are checked).
        if let task = lastValue(of: "--task", in: Array(arguments.dropFirst())) {
            let header = String(decoding: file.header, as: UTF8.self)
            if let storedTask = ConfigurationDifference.settings(of: header).first(where: { $0.0 == "task" })?.1,
               storedTask != "\"\(task)\"" {
                throw InputError("--resume \(path): the checkpoint was trained with task \(storedTask); this command gives \"\(task)\"")
            }
        }
        return ["train"] + (try storedArguments(of: file, path: path)) + arguments.dropFirst()
    }

    /// The value of the last `flag VALUE` or `flag=VALUE` in `arguments`.
    static func lastValue(of flag: String, in arguments: [String]) -> String? {
        var value: String?
        for (index, argument) in arguments.enumerated() {
            if argument == flag, index + 1 < arguments.count { value = arguments[index + 1] }
            if argument.hasPrefix(flag + "=") { value = String(argument.dropFirst(flag.count + 1)) }
        }
        return value
    }

    /// The `dni train` arguments stored in `file` (read from `path`).
    static func storedArguments(of file: CheckpointFile, path: String) throws -> [String] {
        guard let section = file.section(named: argumentsSection), section.elementType == .uint8 else {
            throw InputError("\(path): no '\(argumentsSection)' section: not a checkpoint written by dni train")
        }
        guard let text = String(validating: section.data, as: UTF8.self) else {
            throw InputError("\(path): '\(argumentsSection)' is not UTF-8 text")
        }
        return text.isEmpty ? [] : text.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
    }

    /// Arguments joined by NUL bytes (which no argument can hold).
    static func encode(_ arguments: [String]) -> [UInt8] {
        Array(arguments.joined(separator: "\u{0}").utf8)
    }
}

/// The first setting in which two resolved configurations (``ResolvedConfiguration/json``)
/// differ, described for a one-line error.
enum ConfigurationDifference {
    /// "the checkpoint was trained with KEY VALUE; this command gives VALUE", or nil when every
    /// setting outside `ignoring` agrees.
    static func first(stored: String, current: String, ignoring: Set<String>) -> String? {
        let storedSettings = settings(of: stored), currentSettings = settings(of: current)
        let currentValues = Dictionary(currentSettings, uniquingKeysWith: { first, _ in first })
        for (key, value) in storedSettings where !ignoring.contains(key) {
            let now = currentValues[key] ?? "nothing"
            if now != value {
                return "the checkpoint was trained with \(key) \(value); this command gives \(now)"
            }
        }
        let storedKeys = Set(storedSettings.map(\.0))
        if let (key, value) = currentSettings.first(where: { !storedKeys.contains($0.0) && !ignoring.contains($0.0) }) {
            return "this command sets \(key) \(value), which the checkpoint's run did not have"
        }
        return nil
    }

    /// The leaves of two-space-indented JSON as (dotted key, value text), in order.
    static func settings(of json: String) -> [(String, String)] {
        var path: [String] = []
        var result: [(String, String)] = []
        for rawLine in json.split(separator: "\n") {
            var line = rawLine.trimmingWhitespace()
            if line.hasSuffix(",") { line.removeLast() }
            if line == "}" {
                if !path.isEmpty { path.removeLast() }
                continue
            }
            guard line.hasPrefix("\""), let colon = line.firstRange(of: "\": ") else { continue }
            let key = String(line[line.index(after: line.startIndex)..<colon.lowerBound])
            let value = String(line[colon.upperBound...])
            if value == "{" {
                path.append(key)
            } else {
                result.append(((path + [key]).joined(separator: "."), value))
            }
        }
        return result
    }
}
