import ArgumentParser
import DNI

/// The options of the recurrent tasks (`--task copy|repeat-copy|text`), grouped inside
/// ``TrainingArguments``. The shared options keep their meaning where it carries over:
/// `--steps` is the budget in windows, `--hidden` the LSTM's units, `--data` the text file.
struct RecurrentArguments: ParsableArguments {
    @Option(help: "Recurrent tasks: T, the steps per truncation window (default 3); dni compare takes a list (2,3,4,5).")
    var truncation: String?

    @Option(help: "Recurrent DNI: λ, the factor on the synthetic gradient where it is injected (default 0.1).")
    var syntheticGradientScale: Float?

    @Flag(help: "Recurrent DNI: DNI + Aux, the window's states also predict its synthetic gradient (docs/recurrent.md).")
    var aux = false

    @Option(help: "Recurrent DNI + Aux: β, the weight of the auxiliary loss (default 0.1).")
    var auxWeight: Float?

    @Flag(help: "Recurrent DNI, a control experiment: inject a random direction with the synthetic gradient's norm per stream instead of the synthetic gradient (docs/recurrent.md).")
    var syntheticGradientNoise = false

    @Option(help: "Recurrent DNI, dni train: write the norms of the injected synthetic gradient, per window and stream, to FILE when the run ends (for --noise-norms; not with --checkpoint).")
    var recordInjectedNorms: String?

    @Option(help: "Recurrent DNI, dni train with --synthetic-gradient-noise: inject the norms recorded in FILE by --record-injected-norms (same task, seed, batch size and window budget) instead of this run's own.")
    var noiseNorms: String?

    @Option(help: "Recurrent DNI, linear synthesizer: regress the prediction made one update earlier (stale) or M(s₀) recomputed when learning (recomputed). Default: recomputed for text, stale for copy and repeat-copy.")
    var synthesizerPrediction: SynthesizerPrediction?

    @Option(help: "Recurrent DNI: factor the linear synthesizer through R columns, ĝ = (s·U)·V + b, for a cheaper window (default: the full map; docs/recurrent.md).")
    var synthesizerRank: Int?

    @Option(help: "Recurrent tasks: windows a probe's true future gradient looks ahead (default 4).")
    var probeHorizon: Int?

    @Option(help: "Recurrent tasks: print running metrics every N windows (default 500).")
    var reportEvery: Int?

    @Option(help: "Text task: windows between validation measurements (default 200).")
    var evaluateEvery: Int?

    @Option(help: "Text task: validations without improvement before stopping early (default 5).")
    var patience: Int?

    @Option(help: "Repeat Copy: the largest repeat count (default 3).")
    var maxRepeats: Int?
}

extension RecurrentArguments {
    /// The distinct truncations `--truncation` lists, or nil when it is not given.
    func truncations() throws -> [Int]? {
        guard let truncation else { return nil }
        let values = try parseSizes(truncation, flag: "--truncation")
        guard Set(values).count == values.count else { throw InputError("--truncation lists a value twice in '\(truncation)'") }
        return values
    }

    /// Whether any recurrent-only option is set (they are refused for feed-forward tasks).
    var namesRecurrentOption: String? {
        let flags: [(String, Bool)] = [
            ("--truncation", truncation != nil), ("--synthetic-gradient-scale", syntheticGradientScale != nil),
            ("--aux", aux), ("--aux-weight", auxWeight != nil), ("--probe-horizon", probeHorizon != nil),
            ("--report-every", reportEvery != nil), ("--evaluate-every", evaluateEvery != nil),
            ("--patience", patience != nil), ("--max-repeats", maxRepeats != nil),
            ("--synthesizer-prediction", synthesizerPrediction != nil),
            ("--synthesizer-rank", synthesizerRank != nil),
            ("--record-injected-norms", recordInjectedNorms != nil), ("--noise-norms", noiseNorms != nil),
            ("--synthetic-gradient-noise", syntheticGradientNoise),
        ]
        return flags.first { $0.1 }?.0
    }
}

/// `--synthesizer-prediction`: which prediction the recurrent linear synthesizer regresses.
enum SynthesizerPrediction: String, ExpressibleByArgument, CaseIterable {
    case stale, recomputed
}

extension TrainingMethod {
    /// Parses a `--method` value. `bptt` is accepted as the recurrent name of `backprop`:
    /// truncated backpropagation through time is backprop on the unrolled window, so the library
    /// keeps one method, and summaries say `backprop`.
    public init?(argument: String) {
        self.init(rawValue: argument == "bptt" ? TrainingMethod.backprop.rawValue : argument)
    }
}

extension TaskName {
    /// True for the tasks trained window by window (copy, repeat-copy, text).
    var isRecurrent: Bool { self == .copy || self == .repeatCopy || self == .text }

    /// The recurrent task's configuration, or nil for a feed-forward task.
    func recurrentConfiguration(_ arguments: TrainingArguments) throws -> (any RecurrentTaskConfiguration)? {
        let options = arguments.recurrent
        switch self {
        case .copy, .repeatCopy:
            if arguments.data != nil { throw InputError("--data applies to --task text and mnist, not \(rawValue)") }
            var configuration = CopyTaskConfiguration(maxRepeats: self == .repeatCopy ? (options.maxRepeats ?? 3) : nil)
            if self == .copy, options.maxRepeats != nil { throw InputError("--max-repeats applies to --task repeat-copy only") }
            if let repeats = configuration.maxRepeats, !(1...64).contains(repeats) {
                throw InputError("--max-repeats must be in 1...64, got \(repeats)")
            }
            configuration.symbols = 8
            return configuration
        case .text:
            var configuration = TextTaskConfiguration(path: arguments.data)
            if let evaluateEvery = options.evaluateEvery {
                guard evaluateEvery >= 1 else { throw InputError("--evaluate-every must be at least 1, got \(evaluateEvery)") }
                configuration.evaluateEvery = evaluateEvery
            }
            if let patience = options.patience {
                guard patience >= 1 else { throw InputError("--patience must be at least 1, got \(patience)") }
                configuration.patience = patience
            }
            return configuration
        default:
            return nil
        }
    }
}

extension TrainingArguments {
    /// Validated recurrent runs for every method and seed (seed-major; the task must be a
    /// recurrent one), and the description of their data.
    func recurrentPlans(for methods: [TrainingMethod], seeds: [UInt64]) throws -> (plans: [ExperimentPlan], data: DataDescription) {
        guard let configuration = try task.recurrentConfiguration(self) else {
            throw InputError("--task \(task.rawValue) is not a recurrent task")
        }
        for (flag, isSet) in [("--bits", bits != nil), ("--layers", layers != nil), ("--examples", examples != nil),
                              ("--test-examples", testExamples != nil), ("--epochs", epochs != nil),
                              ("--decay-epochs", decayEpochs != nil), ("--update-probability", updateProbability != nil),
                              ("--optimizer", optimizer != nil), ("--synthesizer-optimizer", synthesizerOptimizer != nil),
                              ("--synthesizer-init", synthesizerInit != nil), ("--synthesizer-bias", synthesizerBias != nil)]
        where isSet {
            throw InputError("\(flag) does not apply to --task \(task.rawValue) (recurrent tasks train with Adam for --steps windows)")
        }
        let execution = try executionSettings()
        guard execution.kind == .sequential, execution.distributed == nil else {
            throw InputError("--execution \(execution.kind.rawValue) does not apply to --task \(task.rawValue) (one core, one stage); use sequential")
        }
        let options = recurrent
        let truncations: [Int?] = try options.truncations() ?? [nil]
        let plans: [ExperimentPlan] = try seeds.flatMap { seed in try truncations.flatMap { truncation in try methods.map { method in
            var experiment = RecurrentExperiment(task: configuration, method: method)
            experiment.seed = seed
            if let hidden {
                let sizes = try parseSizes(hidden, flag: "--hidden")
                guard sizes.count == 1 else { throw InputError("--hidden takes one width (the LSTM's units) for --task \(task.rawValue)") }
                experiment.hiddenSize = sizes[0]
            }
            if let batchSize { experiment.batchSize = batchSize }
            if let learningRate { experiment.learningRate = learningRate }
            if let synthesizerLearningRate { experiment.synthesizerLearningRate = synthesizerLearningRate }
            if let synthesizerHiddenLayers {
                guard (0...8).contains(synthesizerHiddenLayers) else {
                    throw InputError("--synthesizer-hidden-layers must be in 0...8, got \(synthesizerHiddenLayers)")
                }
                experiment.synthesizerHiddenLayers = synthesizerHiddenLayers
            }
            if let synthesizerHiddenSize { experiment.synthesizerHiddenSize = synthesizerHiddenSize }
            if let steps { experiment.windows = steps }
            guard warmup >= 0 else { throw InputError("--warmup must be non-negative, got \(warmup)") }
            experiment.warmupWindows = warmup
            experiment.probeEvery = probeEvery.flatMap { $0 > 0 ? $0 : nil }
            if let truncation { experiment.truncation = truncation }
            if let scale = options.syntheticGradientScale { experiment.syntheticGradientScale = scale }
            if options.auxWeight != nil && !options.aux { throw InputError("--aux-weight needs --aux") }
            // In a comparison the DNI-only options (--aux, the noise control and its norms, the
            // factored synthesizer, recording) apply to the DNI runs; a lone --method bptt with one
            // of them is refused.
            let appliesToRun = method == .dni || methods.count == 1
            experiment.auxiliary = options.aux && appliesToRun
            if let weight = options.auxWeight { experiment.auxiliaryWeight = weight }
            experiment.injectsNoise = options.syntheticGradientNoise && appliesToRun
            if let prediction = options.synthesizerPrediction {
                experiment.synthesizerRecomputesPrediction = prediction == .recomputed
            }
            if let rank = options.synthesizerRank, appliesToRun { experiment.synthesizerRank = rank }
            if let horizon = options.probeHorizon { experiment.probeHorizon = horizon }
            if let reportEvery = options.reportEvery {
                guard reportEvery >= 1 else { throw InputError("--report-every must be at least 1, got \(reportEvery)") }
                experiment.reportEvery = reportEvery
            }
            // One file, one run: refused below in a comparison.
            experiment.recordsInjectedNorms = options.recordInjectedNorms != nil && appliesToRun
            if let path = options.noiseNorms, appliesToRun {
                // Read now, so that a bad file fails before any output (exit 2, naming it).
                let tree = StateTree(sections: try CheckpointFile(contentsOf: path).sections)
                experiment.noiseNorms = try InjectedNormRecord(tree: tree, path: path, batchSize: experiment.batchSize,
                                                               windows: experiment.warmupWindows + experiment.windows)
            }
            try experiment.validate()
            return .recurrent(RecurrentPlan(experiment: experiment, showsTruncation: truncations.count > 1,
                                            injectedNormsPath: options.recordInjectedNorms))
        } } }
        if plans.count > 1, let flag = options.recordInjectedNorms != nil ? "--record-injected-norms" : options.noiseNorms != nil ? "--noise-norms" : nil {
            throw InputError("\(flag) takes one run's file; this command runs \(plans.count) (one method, seed and truncation with dni train)")
        }
        if let path = options.recordInjectedNorms { try ReportDestination.checkWritable(path, flag: "--record-injected-norms") }
        if task == .text, case .recurrent(let plan) = plans.first {
            // Read the text now, so that a bad file fails before any output.
            _ = try configuration.makeTask(batchSize: plan.experiment.batchSize, truncation: plan.experiment.truncation, seed: 0)
        }
        let source = task == .text ? (data ?? "the bundled text (\(TextCorpus.bundledFileName))") : "generated"
        return (plans, DataDescription(recurrent: task, source: source, directory: task == .text ? data : nil))
    }
}
