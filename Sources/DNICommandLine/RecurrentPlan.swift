import DNI
import Linalg

/// One configured recurrent run, driven like the feed-forward ones: window events become the
/// progress bar's steps, and reports and probes become lines (`{"event":"report",…}`,
/// `{"event":"probe",…}` with `--json`, else text) that the command's reporter prints.
struct RecurrentPlan {
    let experiment: RecurrentExperiment
    /// True when runs of several truncations share one output: the label then names T.
    var showsTruncation = false
    /// `--record-injected-norms`: where the run's injected norms are written when it ends.
    var injectedNormsPath: String?

    /// The run's name in text lines, tables and reports: `dni`, `dni+aux`, `dni+noise` (the
    /// same-norm noise control), or `dni T=3` when
    /// several truncations are compared.
    var label: String {
        experiment.method.rawValue + (experiment.auxiliary ? "+aux" : "") + (experiment.injectsNoise ? "+noise" : "")
            + (showsTruncation ? " T=\(experiment.truncation)" : "")
    }

    /// Runs the experiment on this process (`--execution sequential` only: a recurrent core is
    /// one stage), with the matrix products on `--threads` threads (else `DNI_GEMM_THREADS`, else
    /// every core).
    func run(arguments: TrainingArguments, execution: ExecutionSettings, interruptMonitor: InterruptMonitor? = nil,
             checkpoints: CheckpointPlan = CheckpointPlan(), onEvent: (TrainingEvent) -> Void) throws -> TrainingSummary {
        guard execution.kind == .sequential, execution.distributed == nil else {
            throw InputError("--execution \(execution.kind.rawValue) does not apply to recurrent tasks (one core, one stage); use sequential")
        }
        let threads = execution.threads ?? environmentValue("DNI_GEMM_THREADS").flatMap { Int($0) } ?? PackedGEMM.activeProcessorCount
        let engine = GEMMEngine(named: environmentValue("DNI_GEMM"), threads: threads)
        let name = label
        var injectedNorms: InjectedNormRecord?
        let summary = try experiment.run(engine: engine, interruptMonitor: interruptMonitor, checkpoints: checkpoints) { event in
            switch event {
            case .injectedNorms(let record):
                injectedNorms = record
            case .window(let index, let total, let loss):
                onEvent(.step(epoch: 1, step: index, stepsPerEpoch: total, meanLoss: loss))
            case .report(let report):
                var line = JSONLine(event: "report")
                line.append("method", .string(experiment.method.rawValue))
                line.append("truncation", .integer(experiment.truncation))
                if experiment.auxiliary { line.append("auxiliary", .bool(true)) }
                line.append("window", .integer(report.window))
                line.append("train_loss", report.trainLoss)
                if experiment.method == .dni { line.append("synthesizer_loss", report.synthesizerLoss) }
                if experiment.auxiliary { line.append("auxiliary_loss", report.auxiliaryLoss) }
                line.append("progress", .string(report.progress))
                for (key, value) in report.progressFields.sorted(by: { $0.key < $1.key }) { line.append(key, value) }
                line.append("seconds", report.seconds)
                let text = "\(name) window \(report.window): loss \(format(report.trainLoss, 4)), \(report.progress) (\(format(report.seconds, 1)) s)"
                onEvent(.line(json: line, text: text))
            case .probe(let probe):
                var line = JSONLine(event: "probe")
                line.append("method", .string(experiment.method.rawValue))
                line.append("truncation", .integer(experiment.truncation))
                if experiment.auxiliary { line.append("auxiliary", .bool(true)) }
                line.append("window", .integer(probe.window))
                line.append("cell_norm", probe.meanCellNorm)
                line.append("saturated_forget_fraction", probe.saturatedForgetFraction)
                line.append("cosine", probe.cosine)
                line.append("norm_ratio", probe.normRatio)
                line.append("true_gradient_norm", probe.trueGradientNorm)
                line.append("horizon", .integer(probe.horizon))
                var text = "\(name) probe window \(probe.window): ‖c‖ \(format(probe.meanCellNorm ?? .nan, 3)), forget>0.99 \(format(100 * (probe.saturatedForgetFraction ?? .nan), 1))%"
                if let cosine = probe.cosine { text += ", cos \(format(cosine, 3)), norm×\(format(probe.normRatio ?? .nan, 2))" }
                onEvent(.line(json: line, text: text))
            }
        }
        if let path = injectedNormsPath, let record = injectedNorms {
            // The container of checkpoints (checked on reading), headed by what the norms are of.
            var header = JSONLine(event: "injected_norms")
            header.append("task", .string(experiment.task.name))
            header.append("method", .string(experiment.method.rawValue))
            header.append("seed", .integer(Int(truncatingIfNeeded: experiment.seed)))
            header.append("truncation", .integer(experiment.truncation))
            header.append("batch_size", .integer(experiment.batchSize))
            header.append("windows", .integer(record.windows))
            try CheckpointFile(header: Array(header.description.utf8), sections: record.stateTree.sections).write(to: path)
        }
        return summary
    }
}

extension ExperimentPlan {
    /// The run's name in tables and reports (``RecurrentPlan/label`` for recurrent runs).
    var label: String {
        if case .recurrent(let plan) = self { return plan.label }
        return method.rawValue
    }
}
