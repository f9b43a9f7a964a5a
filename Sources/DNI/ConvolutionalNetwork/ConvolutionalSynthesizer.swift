import Linalg

/// The synthetic gradient model Mᵢ of a convolutional stage, trained in the loop:
/// ĝ = σ·M(hᵢ) or, for cDNI, σ·M(hᵢ ⊕ c), by the layer stack M of a
/// ``ConvolutionalSynthesizerNetwork`` (label channels, hidden 5×5 convolutions with batch norm
/// and ReLU, a zero-started output convolution), regressed toward the target δᵢ:
/// M learns by one optimizer step on (1/B) Σₙ ½‖M(hₙ) − δₙ/σ‖², and the reported loss is
/// L_M = (1/B) Σₙ ½‖σ·M(hₙ) − δₙ‖². σ is the running scale of the targets (``TargetScale``,
/// updated with each target before the error is formed); without target normalization
/// (``ConvolutionalSynthesizerConfiguration/normalizesTargets`` false) σ = 1 throughout.
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
        /// M's output for the batch (shares storage with the output convolution's buffer).
        var output = Matrix.empty
        /// ĝ = σ·M(h) (the same storage as `output` without target normalization).
        var prediction = Matrix.empty
        var error = Matrix.empty
        let replica: ConvolutionalSynthesizerNetwork
        /// The layers below the output convolution (nil when there are none) and the output convolution.
        let hidden: Sequential?
        let outputLayer: any Layer

        init(_ replica: ConvolutionalSynthesizerNetwork) {
            self.replica = replica
            let layers = replica.layers.layers
            hidden = layers.count > 1 ? Sequential(Array(layers.dropLast())) : nil
            outputLayer = layers[layers.count - 1]
        }
    }

    fileprivate var slots: [Slot]
    /// Regression steps taken so far.
    fileprivate var updates = 0
    /// The replica used by ``inspect(activation:condition:)``, never by training.
    private let inspection: ConvolutionalSynthesizerNetwork
    /// σ·M(h) of the last ``inspect(activation:condition:)`` under target normalization.
    private var inspected = Matrix.empty
    /// σ, the running scale of the targets; nil without target normalization (σ = 1).
    public private(set) var targetScale: TargetScale?

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
        targetScale = configuration.normalizesTargets ? TargetScale(horizon: configuration.targetScaleHorizon) : nil
    }

    /// Sets ĝ = σ·M(h) from `slot.output` (σ = 1: the prediction is the output itself).
    private func scalePrediction(of slot: Slot) {
        guard let targetScale else {
            slot.prediction = slot.output
            return
        }
        let scale = targetScale.value
        slot.output.map(into: &slot.prediction) { $0 * scale }
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
        slot.output = slot.outputLayer.forward(slot.features, mode: .training)
        scalePrediction(of: slot)
        slot.batch = batch
        slot.updatesAtPrediction = updates
        return slot.prediction
    }

    public func inspect(activation: Matrix, condition: Matrix?) -> Matrix {
        precondition(activation.columns == activationSize,
                     "synthesizer expects \(activationSize)-wide activations, got \(activation.columns)")
        setCondition(condition, rows: activation.rows, on: inspection)
        let output = inspection.layers.forward(activation, mode: .inference)
        guard let targetScale else { return output }
        let scale = targetScale.value
        output.map(into: &inspected) { $0 * scale }
        return inspected
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
        if slot.updatesAtPrediction != updates || slot.output.rows != target.rows {
            // The weights moved since this batch was predicted (or a checkpoint restored only the
            // prediction): the error at the current output convolution (the old output is let go
            // first, so the layer rewrites its buffer in place).
            if targetScale == nil { slot.prediction = .empty }
            slot.output = .empty
            slot.output = slot.outputLayer.forward(slot.features, mode: .training)
        }
        let loss: Double
        if var targetScale {
            targetScale.observe(target)
            self.targetScale = targetScale
            let scale = targetScale.value, inverse = 1 / scale
            slot.output.zip(target, into: &slot.error) { predicted, wanted in predicted - wanted * inverse }
            loss = 0.5 * Double(scale * scale) * slot.error.dot(slot.error) / Double(max(1, slot.error.rows))
        } else {
            slot.output.zip(target, into: &slot.error) { predicted, wanted in predicted - wanted }
            slot.prediction = .empty
            loss = 0.5 * slot.error.dot(slot.error) / Double(max(1, slot.error.rows))
        }
        slot.output = .empty
        slot.batch = nil
        let featureGradient = slot.outputLayer.backward(slot.error, needsInputGradient: slot.hidden != nil)
        _ = slot.hidden?.backward(featureGradient, needsInputGradient: false)
        slot.features = .empty
        optimizer.update(network.parameters)
        updates += 1
        return loss
    }
}

extension ConvolutionalSynthesizer {
    /// The target scale as floats, [σ², targets counted], for a stage's float state
    /// (`Stage+Transfer.swift`); empty without target normalization.
    public var targetScaleState: [Float] {
        targetScale.map { [$0.meanSquare, Float($0.observed)] } ?? []
    }

    /// Restores what ``targetScaleState`` gave (the same number of floats).
    public func restoreTargetScaleState(_ values: ArraySlice<Float>) {
        guard var targetScale else {
            precondition(values.isEmpty, "a synthesizer without target normalization has no target scale state")
            return
        }
        precondition(values.count == 2, "a target scale state is [σ², targets counted]")
        let restored = targetScale.restore(meanSquare: values[values.startIndex], observed: Int(values[values.startIndex + 1]))
        precondition(restored, "not a target scale state: \(Array(values))")
        self.targetScale = targetScale
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
        if let targetScale {
            tree.set("\(path).target_scale.mean_square", floats: [targetScale.meanSquare])
            tree.set("\(path).target_scale.observed", integer: targetScale.observed)
        }
        let held = slots.filter { $0.batch != nil }.sorted { $0.batch! < $1.batch! }
        tree.set("\(path).held_batches", integers: held.map { $0.batch! })
        for slot in held {
            let slotPath = "\(path).held.\(slot.batch!)"
            tree.set("\(slotPath).updates_at_prediction", integer: slot.updatesAtPrediction)
            tree.set("\(slotPath).input", matrix: slot.input)
            tree.set("\(slotPath).features", matrix: slot.features)
            tree.set("\(slotPath).prediction", matrix: slot.prediction)
            slot.hidden?.saveForwardState(into: &tree, path: "\(slotPath).hidden")
            if let output = slot.outputLayer as? any ForwardStateSaving {
                output.saveForwardState(into: &tree, path: "\(slotPath).output")
            }
        }
    }

    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        try network.layers.loadState(from: tree, path: "\(path).layers")
        try optimizer.loadState(from: tree, path: "\(path).optimizer", parameters: network.parameters)
        updates = try tree.integer("\(path).updates")
        if var targetScale {
            let meanSquarePath = "\(path).target_scale.mean_square"
            guard tree.contains(meanSquarePath) else {
                throw InputError("'\(meanSquarePath)' is missing: the checkpoint was written by a synthesizer without target normalization")
            }
            let meanSquare = try tree.floats(meanSquarePath, count: 1)[0]
            let observed = try tree.integer("\(path).target_scale.observed")
            guard targetScale.restore(meanSquare: meanSquare, observed: observed) else {
                throw InputError("'\(path).target_scale' holds σ² = \(meanSquare) over \(observed) targets, not a running mean square over at most \(targetScale.horizon)")
            }
            self.targetScale = targetScale
        }
        let held = try tree.integers("\(path).held_batches")
        guard held.count <= slots.count else {
            throw InputError("'\(path).held_batches' holds \(held.count) batches in flight; this run's delay leaves room for \(slots.count)")
        }
        for slot in slots {
            slot.batch = nil
            slot.prediction = .empty
            slot.output = .empty
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
            slot.features = try tree.matrix("\(slotPath).features", rows: input.rows, columns: slot.outputLayer.inputSize)
            slot.prediction = try tree.matrix("\(slotPath).prediction", rows: input.rows, columns: activationSize)
            try slot.hidden?.loadForwardState(from: tree, path: "\(slotPath).hidden", rows: input.rows)
            if let output = slot.outputLayer as? any ForwardStateSaving {
                try output.loadForwardState(from: tree, path: "\(slotPath).output")
                guard output.heldRows.map({ $0 == input.rows }) ?? true else {
                    throw InputError("'\(slotPath).output' holds no saved forward state for the batch")
                }
            }
            slot.batch = batch
        }
    }
}
