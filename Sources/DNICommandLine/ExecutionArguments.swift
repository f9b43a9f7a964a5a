import ArgumentParser
import DNI

/// Where the stages run, for `dni train` and `dni compare`.
struct ExecutionArguments: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Where the stages run: sequential (one thread, the reference) or pipelined (stage groups on threads of their own, at the same time).",
        valueName: "mode"))
    var execution: ExecutionKind = .sequential

    @Option(help: ArgumentHelp(
        "K: a synthesizer learns from the target of batch b just before it predicts for batch b+K (default 1 under every execution; pipelined and MPI groups stay busy at K = 1). Results depend on K, never on the execution.",
        valueName: "K"))
    var delay: Int?

    @Option(help: ArgumentHelp(
        "Pipelined: the number of stage groups (one thread each), or their sizes bottom first, e.g. 1,3 (default: one group per core, split by measured cost).",
        valueName: "N or sizes"))
    var stageGroups: String?

    @Option(help: ArgumentHelp(
        "Backprop and fa: micro-batches per batch, GPipe-style (default: 1 sequential, 4 pipelined); the batch size must divide by it.",
        valueName: "M"))
    var microBatches: Int?

    /// The settings these options describe, with `threads` matrix-product threads.
    func settings(threads: Int?) throws -> ExecutionSettings {
        var settings = ExecutionSettings(kind: execution, delay: delay, microBatches: microBatches, threads: threads)
        if let stageGroups {
            let sizes = try parseSizes(stageGroups, flag: "--stage-groups")
            if sizes.count == 1 { settings.groupCount = sizes[0] } else { settings.stageGroups = sizes }
        }
        try settings.validate()
        return settings
    }
}

extension ExecutionKind: ExpressibleByArgument {}
