import Linalg

/// The synthetic gradient model Mᵢ of a convolutional stage, trained in the loop:
/// ĝ = M(hᵢ) or, for cDNI, M(hᵢ ⊕ c), by the layer stack of a ``ConvolutionalSynthesizerNetwork``
/// (label channels, hidden 5×5 convolutions with batch norm and ReLU, a zero-started output
/// convolution), regressed toward the true gradient δᵢ with L_M = (1/B) Σₙ ½‖ĝₙ − δₙ‖².
///
/// hᵢ, ĝ, δ: `[batch, H·W·C]` (NHWC); c: `[batch, conditionSize]`.
///
/// The schedule is ``MLPSynthesizer``'s: each batch in flight gets a slot with its own copy of
/// hᵢ and of c and a replica of the stack (``ConvolutionalSynthesizerNetwork/makeReplica()``:
/// the same weights, buffers of its own). When the synthesizer has learned from another batch
/// since it predicted batch b (delay K ≥ 2), the output convolution is run again on b's held
/// features before the error is formed, so the regression step is taken at the current output
/// weights; the hidden layers keep the forward pass of the prediction. Slots are allocated by
/// ``reserveCapacity(_:)``; a warmed-up predict/learn cycle allocates nothing.
public final class ConvolutionalSynthesizer: Synthesizer {
    public let activationSize: Int
    public let conditionSize: Int
    /// The shape of hᵢ and ĝ.
    public let activationShape: SpatialShape
    /// The layers (the first slot's replica).
    public let network: ConvolutionalSynthesizerNetwork
    /// The optimizer of this synthesizer's own parameters.
    public let optimizer: any Optimizer

    /// One batch in flight: which batch, its input, its replica of the stack and its prediction.
    fileprivate final class Slot {
        var batch: Int?
        /// ``ConvolutionalSynthesizer/updates`` when the batch was predicted.
        var updatesAtPrediction = 0
        var input = Matrix.empty
        /// What the layers below the output convolution made of `input`.
        var features = Matrix.empty
        var prediction = Matrix.empty
        var error = Matrix.empty
        let replica: ConvolutionalSynthesizerNetwork
        /// The layers below the output convolution (nil when there are none) and the output convolution.
        let hidden: Sequential?
        let output: any Layer

        init(_ replica: ConvolutionalSynthesizerNetwork) {
            self.replica = replica
            let layers = replica.layers.layers
            hidden = layers.count > 1 ? Sequential(Array(layers.dropLast())) : nil
            output = layers[layers.count - 1]
        }
    }

    fileprivate var slots: [Slot]
    /// Regression steps taken so far.
    fileprivate var updates = 0
    /// The replica used by ``inspect(activation:condition:)``, never by training.
    private let inspection: ConvolutionalSynthesizerNetwork

    /// A synthesizer for activations of shape `activationShape`, conditioned on `conditionSize`
    /// label columns (0 for plain DNI), with the layers `configuration` describes (drawn from
    /// `generator`), learning with `optimizer`; it holds one batch in flight until told otherwise.
    public init(activationShape: SpatialShape, conditionSize: Int = 0,
                configuration: ConvolutionalSynthesizerConfiguration = ConvolutionalSynthesizerConfiguration(),
                optimizer: any Optimizer, generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        self.activationShape = activationShape
        self.activationSize = activationShape.size
        self.conditionSize = conditionSize
        self.optimizer = optimizer
        network = ConvolutionalSynthesizerNetwork(activationShape: activationShape, conditionSize: conditionSize,
                                                  configuration: configuration, generator: &generator, engine: engine)
        slots = [Slot(network)]
        inspection = network.makeReplica()
    }

    public var parameters: [Parameter] { network.parameters }

    public var capacity: Int { slots.count }

    public var heldBatches: [Int] { slots.compactMap(\.batch) }

    public func reserveCapacity(_ count: Int) {
        while slots.count < count { slots.append(Slot(network.makeReplica())) }
    }

    /// Checks the shapes and hands c to `replica`'s condition layer (a copy into its own buffer).
    private func setCondition(_ condition: Matrix?, rows: Int, on replica: ConvolutionalSynthesizerNetwork) {
        guard let conditionChannels = replica.conditionChannels else { return }
        guard let condition, condition.rows == rows, condition.columns == conditionSize else {
            preconditionFailure("a conditioned synthesizer needs a [\(rows), \(conditionSize)] condition")
        }
        conditionChannels.condition.assign(condition)
    }

    public func predict(batch: Int, activation: Matrix, condition: Matrix?) throws -> Matrix {
        precondition(activation.columns == activationSize,
                     "synthesizer expects \(activationShape) = \(activationSize)-wide activations, got \(activation.columns)")
        guard !slots.contains(where: { $0.batch == batch }) else {
            throw SynthesizerScheduleError("batch \(batch) is already held by the synthesizer")
        }
        guard let slot = slots.first(where: { $0.batch == nil }) else {
            throw SynthesizerScheduleError(
                "no free slot to predict batch \(batch): batches \(heldBatches.sorted()) are still waiting for their targets (capacity \(capacity))")
        }
        setCondition(condition, rows: activation.rows, on: slot.replica)
        slot.input.assign(activation)
        slot.features = slot.hidden?.forward(slot.input, mode: .training) ?? slot.input
        slot.prediction = slot.output.forward(slot.features, mode: .training)
        slot.batch = batch
        slot.updatesAtPrediction = updates
        return slot.prediction
    }

    public func inspect(activation: Matrix, condition: Matrix?) -> Matrix {
        precondition(activation.columns == activationSize,
                     "synthesizer expects \(activationSize)-wide activations, got \(activation.columns)")
        setCondition(condition, rows: activation.rows, on: inspection)
        return inspection.layers.forward(activation, mode: .inference)
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
            // convolution (the old prediction is let go first, so the layer rewrites its buffer in place).
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

extension ConvolutionalSynthesizer {
    /// Writes the layers' parameters and running statistics (`path.layers`), the optimizer, the
    /// step count and every batch in flight: its input, features, prediction and its replica's
    /// saved forward state (what ``learn(batch:target:)`` needs).
    public func saveState(into tree: inout StateTree, path: String) {
        network.layers.saveState(into: &tree, path: "\(path).layers")
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
        try network.layers.loadState(from: tree, path: "\(path).layers")
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
        for (slot, batch) in zip(slots, held) {
            let slotPath = "\(path).held.\(batch)"
            slot.updatesAtPrediction = try tree.integer("\(slotPath).updates_at_prediction")
            let input = try tree.matrix("\(slotPath).input")
            guard input.columns == activationSize else {
                throw InputError("'\(slotPath).input' has \(input.columns) columns, this synthesizer reads \(activationSize)")
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
