import DNI
import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One configured recurrent run, driven like the feed-forward ones: window events become the
/// progress bar's steps; reports and probes are printed as JSON Lines (`{"event":"report",…}`,
/// `{"event":"probe",…}`) with `--json`, else as text lines.
struct RecurrentPlan {
    let experiment: RecurrentExperiment

    func run(arguments: TrainingArguments, engine: GEMMEngine, onEvent: (TrainingEvent) -> Void) throws -> TrainingSummary {
        let json = arguments.json
        let terminal = !json && isatty(STDOUT_FILENO) == 1
        let name = experiment.method.rawValue
        return try experiment.run(engine: engine) { event in
            switch event {
            case .window(let index, let total, let loss):
                onEvent(.step(epoch: 1, step: index, stepsPerEpoch: total, meanLoss: loss))
            case .report(let report):
                if json {
                    var line = JSONLine(event: "report")
                    line.append("method", .string(name))
                    line.append("window", .integer(report.window))
                    line.append("train_loss", report.trainLoss)
                    if experiment.method == .dni { line.append("synthesizer_loss", report.synthesizerLoss) }
                    line.append("progress", .string(report.progress))
                    line.append("seconds", report.seconds)
                    emitLine(line.description, terminal: false)
                } else {
                    emitLine("\(name) window \(report.window): loss \(format(report.trainLoss, 4)), \(report.progress) (\(format(report.seconds, 1)) s)",
                             terminal: terminal)
                }
            case .probe(let probe):
                if json {
                    var line = JSONLine(event: "probe")
                    line.append("method", .string(name))
                    line.append("window", .integer(probe.window))
                    line.append("cell_norm", probe.meanCellNorm)
                    line.append("saturated_forget_fraction", probe.saturatedForgetFraction)
                    line.append("cosine", probe.cosine)
                    line.append("norm_ratio", probe.normRatio)
                    line.append("true_gradient_norm", probe.trueGradientNorm)
                    line.append("horizon", .integer(probe.horizon))
                    emitLine(line.description, terminal: false)
                } else {
                    var text = "\(name) probe window \(probe.window): ‖c‖ \(format(probe.meanCellNorm ?? .nan, 3)), forget>0.99 \(format(100 * (probe.saturatedForgetFraction ?? .nan), 1))%"
                    if let cosine = probe.cosine { text += ", cos \(format(cosine, 3)), norm×\(format(probe.normRatio ?? .nan, 2))" }
                    emitLine(text, terminal: terminal)
                }
            }
        }
    }

    /// Prints one line (clearing a progress bar first on a terminal) and flushes.
    private func emitLine(_ line: String, terminal: Bool) {
        if terminal { print("\r\u{1B}[K", terminator: "") }
        print(line)
        fflushStandardOutput()
    }
}
