import Linalg

/// A synthesizer that is a small network on the stage output hᵢ, or on `[hᵢ | c]` for cDNI:
/// `hiddenLayers` × (Dense → [BatchNorm] → ReLU), then a final Dense layer.
///
/// With no hidden layers it is the post's linear synthesizer, ĝ = h·W (+ b) — and, conditioned,
/// ĝ = h·W + c·U (+ b), the paper's linear cDNI. The paper initialises the last layer to zero
/// so that training starts as if there were no gradient at all (§3 and appendix).
///
/// Each batch in flight gets a slot: a copy of its input and a replica of the layers
/// (``Layer/makeReplica()``: the same weights, saved state of its own), so the regression step
/// for batch b backpropagates through exactly the forward pass that produced b's ĝ, however
/// many batches were predicted since. Slots are allocated by ``reserveCapacity(_:)``; a
/// warmed-up predict/learn cycle allocates nothing.
public final class MLPSynthesizer: Synthesizer {
    public let activationSize: Int
    public let conditionSize: Int
    /// The layers mapping the (concatenated) input to ĝ (the first slot's replica).
    public let network: Sequential
    /// The optimizer of this synthesizer's own parameters.
    public let optimizer: any Optimizer

    /// One batch in flight: which batch, its input, its layers' replica and its prediction.
    private final class Slot {
        var batch: Int?
        var input = Matrix.empty
        var prediction = Matrix.empty
        var error = Matrix.empty
        let network: Sequential
        init(network: Sequential) { self.network = network }
    }

    private var slots: [Slot]
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
        slots = [Slot(network: network)]
        inspection = network.replica()
    }

    public var parameters: [Parameter] { network.parameters }

    public var capacity: Int { slots.count }

    public var heldBatches: [Int] { slots.compactMap(\.batch) }

    public func reserveCapacity(_ count: Int) {
        while slots.count < count { slots.append(Slot(network: network.replica())) }
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
        slot.prediction = slot.network.forward(slot.input, mode: .training)
        slot.batch = batch
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
        precondition(target.rows == slot.prediction.rows && target.columns == activationSize,
                     "synthesizer target must be [\(slot.prediction.rows), \(activationSize)], got \(target.shape)")
        slot.prediction.zip(target, into: &slot.error) { predicted, wanted in predicted - wanted }
        slot.prediction = .empty
        slot.batch = nil
        let loss = 0.5 * slot.error.dot(slot.error) / Double(max(1, slot.error.rows))
        _ = slot.network.backward(slot.error, needsInputGradient: false)
        optimizer.update(network.parameters)
        return loss
    }
}
