import Linalg

/// A synthesizer that is a small network on the stage output hᵢ, or on `[hᵢ | c]` for cDNI:
/// `hiddenLayers` × (Dense → [BatchNorm] → ReLU), then a final Dense layer.
///
/// With no hidden layers it is the post's linear synthesizer, ĝ = h·W (+ b) — and, conditioned,
/// ĝ = h·W + c·U (+ b), the paper's linear cDNI. The paper initialises the last layer to zero
/// so that training starts as if there were no gradient at all (§3 and appendix).
///
/// Each batch in flight gets a slot: a copy of its input and a replica of the layers
/// (``Layer/makeReplica()``: the same weights, saved state of its own). The regression error of
/// batch b is taken at the output layer's *current* weights: when the synthesizer has learned
/// from another batch since it predicted b (always, under delay K ≥ 2), the output layer is run
/// again on b's held features before the error is formed; the hidden layers keep the forward
/// pass of the prediction (their gradient is one step stale, as in asynchronous SGD). For the
/// linear synthesizer (no hidden layers) the step is exact. Regressing the stale prediction
/// itself — the error of weights one step old — made cDNI on binary addition diverge within 20
/// steps at K = 2 (synthetic gradients 5,000× too large); with the refreshed output error it
/// trains to every held-out sum right, at the cost of one output-layer product per step (a
/// sixth of the forward pass of the paper's 2 × 1024 synthesizer) instead of a whole forward
/// pass. With delay 1 nothing is recomputed. Slots are allocated by ``reserveCapacity(_:)``; a
/// warmed-up predict/learn cycle allocates nothing.
public final class MLPSynthesizer: Synthesizer {
    public let activationSize: Int
    public let conditionSize: Int
    /// The layers mapping the (concatenated) input to ĝ (the first slot's replica).
    public let network: Sequential
    /// The optimizer of this synthesizer's own parameters.
    public let optimizer: any Optimizer

    /// One batch in flight: which batch, its input, its layers' replica and its prediction.
    fileprivate final class Slot {
        var batch: Int?
        /// ``MLPSynthesizer/updates`` when the batch was predicted.
        var updatesAtPrediction = 0
        var input = Matrix.empty
        /// What the hidden layers made of `input` (the output layer's input).
        var features = Matrix.empty
        var prediction = Matrix.empty
        var error = Matrix.empty
        /// The hidden layers (nil for a linear synthesizer) and the output layer.
        let hidden: Sequential?
        let output: any Layer
        init(hidden: Sequential?, output: any Layer) {
            self.hidden = hidden
            self.output = output
        }
    }

    fileprivate var slots: [Slot]
    /// Regression steps taken so far.
    fileprivate var updates = 0
    /// The replica used by ``inspect(activation:condition:)``, never by training.
    private let inspection: Sequential
    private var inspectionInput = Matrix.empty

    /// A synthesizer for `activationSize`-wide activations, conditioned on `conditionSize`
    /// label columns (0 for plain DNI), holding one batch in flight until told otherwise.
    public init(activationSize: Int, conditionSize: Int = 0,
                configuration: SynthesizerConfiguration,
                optimizer: any Optimizer,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        self.activationSize = activationSize
        self.conditionSize = conditionSize
        self.optimizer = optimizer
        var layers: [any Layer] = []
        var width = activationSize + conditionSize
        for _ in 0..<configuration.hiddenLayers {
            if configuration.batchNormalization {
                layers.append(Dense(inputSize: width, outputSize: configuration.hiddenSize, bias: false,
                                    initialization: .he, generator: &generator, engine: engine))
                layers.append(BatchNormalization(size: configuration.hiddenSize, activation: .relu))
            } else {
                layers.append(Dense(inputSize: width, outputSize: configuration.hiddenSize, bias: configuration.bias,
                                    initialization: .he, activation: .relu, generator: &generator, engine: engine))
            }
            width = configuration.hiddenSize
        }
        let lastInitialization: WeightInitialization =
            configuration.zeroInitialization ? .zeros : .uniform(lower: -0.1, upper: 0.1)
        layers.append(Dense(inputSize: width, outputSize: activationSize, bias: configuration.bias,
                            initialization: lastInitialization, generator: &generator, engine: engine))
        network = Sequential(layers)
        let output = layers[layers.count - 1]
        slots = [Slot(hidden: layers.count > 1 ? Sequential(Array(layers.dropLast())) : nil, output: output)]
        inspection = network.replica()
    }

    public var parameters: [Parameter] { network.parameters }

    public var capacity: Int { slots.count }

    public var heldBatches: [Int] { slots.compactMap(\.batch) }

    public func reserveCapacity(_ count: Int) {
        while slots.count < count {
            let replica = network.replica()
            let layers = replica.layers
            slots.append(Slot(hidden: layers.count > 1 ? Sequential(Array(layers.dropLast())) : nil,
                              output: layers[layers.count - 1]))
        }
    }

    /// Copies `activation` (and the condition beside it) into `input`, checking shapes.
    private func prepare(_ activation: Matrix, _ condition: Matrix?, into input: inout Matrix) {
        precondition(activation.columns == activationSize,
                     "synthesizer expects \(activationSize)-wide activations, got \(activation.columns)")
        if conditionSize > 0 {
            guard let condition, condition.columns == conditionSize, condition.rows == activation.rows else {
                preconditionFailure("a conditioned synthesizer needs a [\(activation.rows), \(conditionSize)] condition")
            }
            input.concatenateColumns(activation, condition)
        } else {
            input.assign(activation)
        }
    }

    public func predict(batch: Int, activation: Matrix, condition: Matrix?) throws -> Matrix {
        guard !slots.contains(where: { $0.batch == batch }) else {
            throw SynthesizerScheduleError("batch \(batch) is already held by the synthesizer")
        }
        guard let slot = slots.first(where: { $0.batch == nil }) else {
            throw SynthesizerScheduleError(
                "no free slot to predict batch \(batch): batches \(heldBatches.sorted()) are still waiting for their targets (capacity \(capacity))")
        }
        prepare(activation, condition, into: &slot.input)
        slot.features = slot.hidden?.forward(slot.input, mode: .training) ?? slot.input
        slot.prediction = slot.output.forward(slot.features, mode: .training)
        slot.batch = batch
        slot.updatesAtPrediction = updates
        return slot.prediction
    }

    public func inspect(activation: Matrix, condition: Matrix?) -> Matrix {
        prepare(activation, condition, into: &inspectionInput)
        return inspection.forward(inspectionInput, mode: .inference)
    }

    @discardableResult
    public func learn(batch: Int, target: Matrix) throws -> Double {
        guard let slot = slots.first(where: { $0.batch == batch }) else {
            throw SynthesizerScheduleError(
                "a target arrived for batch \(batch), which the synthesizer does not hold (held: \(heldBatches.sorted()))")
        }
        guard target.rows == slot.prediction.rows && target.columns == activationSize else {
            throw SynthesizerScheduleError("the target of batch \(batch) is \(target.shape); the synthesizer predicted [\(slot.prediction.rows), \(activationSize)]")
        }
        if slot.updatesAtPrediction != updates {
            // The weights moved since this batch was predicted: the error at the current output
            // layer (the old prediction is let go first, so the layer rewrites its buffer in place).
            slot.prediction = .empty
            slot.prediction = slot.output.forward(slot.features, mode: .training)
        }
        slot.prediction.zip(target, into: &slot.error) { predicted, wanted in predicted - wanted }
        slot.prediction = .empty
        slot.batch = nil
        let loss = 0.5 * slot.error.dot(slot.error) / Double(max(1, slot.error.rows))
        let featureGradient = slot.output.backward(slot.error, needsInputGradient: slot.hidden != nil)
        _ = slot.hidden?.backward(featureGradient, needsInputGradient: false)
        slot.features = .empty
        optimizer.update(network.parameters)
        updates += 1
        return loss
    }
}

extension MLPSynthesizer {
    public func saveState(into tree: inout StateTree, path: String) {
        network.saveState(into: &tree, path: "\(path).layers")
        optimizer.saveState(into: &tree, path: "\(path).optimizer")
        tree.set("\(path).updates", integer: updates)
        let held = slots.filter { $0.batch != nil }.sorted { $0.batch! < $1.batch! }
        tree.set("\(path).held_batches", integers: held.map { $0.batch! })
        for slot in held {
            let slotPath = "\(path).held.\(slot.batch!)"
            tree.set("\(slotPath).updates_at_prediction", integer: slot.updatesAtPrediction)
            tree.set("\(slotPath).input", matrix: slot.input)
            tree.set("\(slotPath).features", matrix: slot.features)
            tree.set("\(slotPath).prediction", matrix: slot.prediction)
            slot.hidden?.saveForwardState(into: &tree, path: "\(slotPath).hidden")
            if let output = slot.output as? any ForwardStateSaving {
                output.saveForwardState(into: &tree, path: "\(slotPath).output")
            }
        }
    }

    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        try network.loadState(from: tree, path: "\(path).layers")
        try optimizer.loadState(from: tree, path: "\(path).optimizer", parameters: network.parameters)
        updates = try tree.integer("\(path).updates")
        let held = try tree.integers("\(path).held_batches")
        guard held.count <= slots.count else {
            throw InputError("'\(path).held_batches' holds \(held.count) batches in flight; this run's delay leaves room for \(slots.count)")
        }
        for slot in slots {
            slot.batch = nil
            slot.prediction = .empty
            slot.features = .empty
        }
        let width = activationSize + conditionSize
        for (slot, batch) in zip(slots, held) {
            let slotPath = "\(path).held.\(batch)"
            slot.updatesAtPrediction = try tree.integer("\(slotPath).updates_at_prediction")
            let input = try tree.matrix("\(slotPath).input")
            guard input.columns == width else {
                throw InputError("'\(slotPath).input' has \(input.columns) columns, this synthesizer reads \(width)")
            }
            slot.input = input
            slot.features = try tree.matrix("\(slotPath).features", rows: input.rows, columns: slot.output.inputSize)
            slot.prediction = try tree.matrix("\(slotPath).prediction", rows: input.rows, columns: activationSize)
            try slot.hidden?.loadForwardState(from: tree, path: "\(slotPath).hidden", rows: input.rows)
            if let output = slot.output as? any ForwardStateSaving {
                try output.loadForwardState(from: tree, path: "\(slotPath).output")
                guard output.heldRows.map({ $0 == input.rows }) ?? true else {
                    throw InputError("'\(slotPath).output' holds no saved forward state for the batch")
                }
            }
            slot.batch = batch
        }
    }
}
