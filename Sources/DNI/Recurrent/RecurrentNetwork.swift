import Linalg

/// A recurrent core with a linear readout, trained by truncated backpropagation through time
/// over windows of T steps, optionally with a synthetic gradient from the future at each
/// window's end (DNI for recurrent networks, Jaderberg et al. 2016, arXiv:1608.05343, §3.1).
///
/// One window, for the carried state s₀ (`[B, stateSize]`):
/// 1. forward: (y_t, s_{t+1}) = cell(x_t, s_t) for t < T; logits_t = y_t·V + v (the readout);
/// 2. the task's loss L = (1/(T·B)) Σ ℓ_{t,n} and its per-row gradients;
/// 3. at the last state, ∂ℓ/∂s_T = λ·ĝ with ĝ = M(s_T) (DNI; λ = ``syntheticGradientScale``),
///    or 0 (plain truncated BPTT);
/// 4. backward through the window to δ₀ = ∂ℓ/∂s₀ (which includes λ·ĝ's effect; with DNI + Aux
///    also the auxiliary gradient β·(A(s_t) − ĝ)·Wᵀ at s₁ … s_{T−1},
///    ``FutureSyntheticGradientPredictor``);
/// 5. DNI: M learns ½‖M(s₀) − δ₀‖² — δ₀ is the bootstrapped target for the prediction made at
///    the previous window's end, whose last state is s₀ (the linear synthesizer regresses that
///    very prediction; see ``RecurrentSynthesizer``);
/// 6. one optimizer step on the core and the readout; s_T is carried to the next window.
///
/// λ < 1 both damps the injected gradient and discounts the bootstrap (the target contains
/// λ·ĝ of the next window), like a discount factor. With M ≡ 0 the window is exactly truncated
/// BPTT (tested bit for bit). A warmed-up window allocates nothing.
public final class RecurrentNetwork {
    /// The recurrent core.
    public let cell: any RecurrentCell
    /// The readout, logits = y·V + v, `[outputSize, classes]`.
    public let readout: Dense
    /// The optimizer of the core and the readout.
    public let optimizer: any Optimizer
    /// The synthetic-gradient model, or nil for plain truncated BPTT.
    public let synthesizer: RecurrentSynthesizer?
    /// DNI + Aux: the head through which the window's states predict its synthetic gradient
    /// (``FutureSyntheticGradientPredictor``), or nil. Needs a synthesizer.
    public let auxiliary: FutureSyntheticGradientPredictor?
    /// λ, the factor applied to ĝ where it is injected (DNI only). Without it (λ = 1) the
    /// issue's PyTorch trial diverged: ‖c‖ grew without bound and the forget gates saturated.
    public var syntheticGradientScale: Float
    /// A control experiment (``SyntheticGradientNoiseControl``): the injected gradient keeps its
    /// norm per stream but points in a random direction. Nil: DNI itself.
    public var noiseControl: SyntheticGradientNoiseControl?
    /// When set, every window appends the row norms of the gradient injected at its last state,
    /// λ‖ĝₙ‖, before any noise control redirects it (`--record-injected-norms`).
    public var injectedNorms: InjectedNormRecord?
    /// T, steps per window.
    public let truncation: Int
    /// Every parameter the optimizer updates (core, then readout).
    public let trainableParameters: [Parameter]

    /// states[0] is the carried state; states[t] the state before step t of the window.
    private var states: [Matrix]
    private var inputs = Matrix.empty
    private var logitGradient = Matrix.empty
    private var nextGradient = Matrix.empty
    private var previousGradient = Matrix.empty
    private var prediction = Matrix.empty
    /// Buffers of ``probe(task:windows:)``, off the training path.
    var probeInputs = Matrix.empty, probeStates: [Matrix] = [], probeGradient = Matrix.empty
    var probeNext = Matrix.empty, probePrevious = Matrix.empty
    /// B, the number of streams.
    public let batchSize: Int

    /// A network reading `batchSize` streams, with the state starting at zero.
    public init(cell: any RecurrentCell, classes: Int, truncation: Int, batchSize: Int,
                optimizer: any Optimizer, synthesizer: RecurrentSynthesizer? = nil,
                auxiliary: FutureSyntheticGradientPredictor? = nil,
                syntheticGradientScale: Float = 0.1, generator: inout SeededGenerator,
                engine: GEMMEngine = .default) {
        precondition(truncation >= 1 && batchSize >= 1, "truncation and batch size must be positive")
        precondition(auxiliary == nil || synthesizer != nil, "the auxiliary task predicts a synthesizer's output")
        self.auxiliary = auxiliary
        self.cell = cell
        self.readout = Dense(inputSize: cell.outputSize, outputSize: classes, generator: &generator, engine: engine)
        self.optimizer = optimizer
        self.synthesizer = synthesizer
        self.syntheticGradientScale = syntheticGradientScale
        self.truncation = truncation
        self.batchSize = batchSize
        self.trainableParameters = cell.parameters + readout.parameters
        states = (0...truncation).map { _ in Matrix(rows: batchSize, columns: cell.stateSize) }
    }

    /// The state carried into the next window, `[B, stateSize]`.
    public var state: Matrix { states[0] }

    /// Sets every stream's state to zero.
    public func resetState() { states[0].fill(0) }

    /// What one training window measured.
    public struct WindowResult: Sendable, Equatable {
        /// The task's loss L of the window (nats per row).
        public var loss: Double
        /// The synthesizer's regression loss (0 without one).
        public var synthesizerLoss: Double
        /// DNI + Aux: the auxiliary head's regression loss, ½‖A(s_t) − ĝ_T‖² per row (0 without one).
        public var auxiliaryLoss: Double = 0
        /// ½‖δ₀‖² per row, the regression loss of a synthesizer that predicts zero (0 without one):
        /// the scale against which ``synthesizerLoss`` tells a synthesizer running away from its
        /// targets (``RecurrentExperiment`` stops such a run).
        public var targetLoss: Double = 0
    }

    /// Trains on the task's next window (steps 1–6 above).
    @discardableResult
    public func trainWindow(on task: any RecurrentTask) -> WindowResult {
        let steps = truncation
        cell.prepareWindow(steps: steps, batch: batchSize)
        task.nextWindow(inputs: &inputs, steps: steps)
        for t in 0..<steps {
            cell.forward(step: t, inputs: inputs, state: states[t], nextState: &states[t + 1])
        }
        let logits = readout.forward(cell.outputs, mode: .training)
        let loss = task.loss(logits: logits, gradient: &logitGradient)
        let outputGradients = readout.backward(logitGradient, needsInputGradient: true)
        if let synthesizer {
            synthesizer.predict(states[steps], rememberingFor: states[0], into: &prediction)
            nextGradient.resize(rows: batchSize, columns: cell.stateSize)
            let scale = syntheticGradientScale
            prediction.map(into: &nextGradient) { scale * $0 }
            injectedNorms?.append(rowNormsOf: nextGradient)
            noiseControl?.redirect(&nextGradient)
        } else {
            nextGradient.resize(rows: batchSize, columns: cell.stateSize)
            nextGradient.fill(0)
        }
        // DNI + Aux: the states s₁ … s_{T−1} regress ĝ_T = M(s_T) (before λ).
        let auxiliaryLoss = auxiliary?.evaluate(states: states, steps: steps, target: prediction) ?? 0
        for t in stride(from: steps - 1, through: 0, by: -1) {
            if let auxiliary, t + 1 < steps { auxiliary.addStateGradient(at: t + 1, to: &nextGradient) }
            // ∂ℓ/∂s₀ is read only by the synthesizer (its target): plain BPTT skips that product.
            cell.backward(step: t, outputGradients: outputGradients, nextStateGradient: nextGradient,
                          stateGradient: &previousGradient, needsStateGradient: t > 0 || synthesizer != nil,
                          needsInputGradient: false)
            swap(&nextGradient, &previousGradient)
        }
        cell.finishBackward(steps: steps)
        // nextGradient now holds δ₀ = ∂ℓ/∂s₀, the target for M at s₀.
        let synthesizerLoss = synthesizer?.learn(target: nextGradient) ?? 0
        let targetLoss = synthesizer == nil ? 0 : 0.5 * nextGradient.dot(nextGradient) / Double(batchSize)
        optimizer.update(trainableParameters)
        auxiliary?.update()
        states.swapAt(0, steps)
        return WindowResult(loss: loss, synthesizerLoss: synthesizerLoss, auxiliaryLoss: auxiliaryLoss, targetLoss: targetLoss)
    }

    /// Forward only (no saved state is used afterwards): runs `steps` steps of `inputs`
    /// (`[steps·B′, inputSize]`) from `state` (`[B′, stateSize]`, updated to the last state) and
    /// returns the logits `[steps·B′, classes]`. Valid until the next call on this network.
    /// `scratch` is a state-sized buffer the caller keeps between calls (reused, not read).
    public func predictWindow(inputs: Matrix, steps: Int, state: inout Matrix, scratch: inout Matrix) -> Matrix {
        let batch = state.rows
        cell.prepareWindow(steps: steps, batch: batch)
        for t in 0..<steps {
            cell.forward(step: t, inputs: inputs, state: state, nextState: &scratch)
            swap(&state, &scratch)
        }
        return readout.forward(cell.outputs, mode: .inference)
    }
}

extension RecurrentNetwork {
    /// Writes everything the network carries between windows at `path`: the core's and the
    /// readout's parameters, their optimizer, the carried state s₀, the synthesizer and the
    /// auxiliary head.
    public func saveState(into tree: inout StateTree, path: String) {
        for (index, parameter) in trainableParameters.enumerated() {
            tree.set("\(path).parameter.\(index)", matrix: parameter.value)
        }
        optimizer.saveState(into: &tree, path: "\(path).optimizer")
        tree.set("\(path).carried_state", matrix: states[0])
        synthesizer?.saveState(into: &tree, path: "\(path).synthesizer")
        auxiliary?.saveState(into: &tree, path: "\(path).auxiliary")
        if let noiseControl { tree.set("\(path).noise_control.windows", integer: noiseControl.windows) }
    }

    /// Reads back what ``saveState(into:path:)`` wrote.
    /// - Throws: ``InputError`` naming the first path that does not fit this network.
    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        for (index, parameter) in trainableParameters.enumerated() {
            try tree.load("\(path).parameter.\(index)", into: &parameter.value)
        }
        try optimizer.loadState(from: tree, path: "\(path).optimizer", parameters: trainableParameters)
        try tree.load("\(path).carried_state", into: &states[0])
        if let synthesizer {
            try synthesizer.loadState(from: tree, path: "\(path).synthesizer", batchSize: batchSize)
        } else if tree.contains("\(path).synthesizer.parameter.0") {
            throw InputError("has a synthesizer at '\(path)'; this network (bptt) has none")
        }
        if let auxiliary {
            try auxiliary.loadState(from: tree, path: "\(path).auxiliary")
        } else if tree.contains("\(path).auxiliary.weight") {
            throw InputError("has an auxiliary head at '\(path)'; this network has none")
        }
        let noisePath = "\(path).noise_control.windows"
        if noiseControl != nil {
            let windows = try tree.integer(noisePath)
            guard windows >= 0 else { throw InputError("'\(noisePath)' must be non-negative, got \(windows)") }
            noiseControl?.windows = windows
        } else if tree.contains(noisePath) {
            throw InputError("was written with --synthetic-gradient-noise; resume it with that flag")
        }
    }

    /// SHA-256 of every parameter (core, readout, synthesizer, auxiliary head) in path order.
    public var parametersSHA256: String {
        var digest = SHA256()
        let all = trainableParameters + (synthesizer?.parameters ?? []) + (auxiliary?.parameters ?? [])
        for parameter in all { parameter.value.withUnsafeBufferPointer { digest.update(floats: $0) } }
        return digest.finishHexadecimal()
    }
}
