import Linalg

/// A block of layers trained as one unit (docs/architecture.md): its layers, its optimizer, its own
/// random stream and, under DNI, the synthesizer Mᵢ that predicts the gradient of the loss with
/// respect to its output.
///
/// A stage is owned by one thread at a time. Everything it learns from reaches it as values —
/// the input hᵢ₋₁ of a batch from below, the bootstrapped target δᵢ of an earlier batch from
/// above (``receiveTarget(batch:_:)``) — so the same stage object trains identically whether its
/// neighbours run on the same thread, on other threads or on other machines (see
/// `Stage+Steps.swift` for the operations every executor calls).
public final class Stage {
    /// The layers fᵢ, as one stack.
    public let body: Sequential
    /// The optimizer of the body's parameters (its own state, separate from every other stage).
    public let optimizer: any Optimizer
    /// Mᵢ, present for DNI and cDNI on every stage but the top one.
    public let synthesizer: (any Synthesizer)?
    /// For direct feedback alignment: the fixed `[outputSize of network, outputSize]` matrix
    /// that carries the output error straight to this stage.
    public internal(set) var directFeedback: Matrix?
    /// The stage's own random stream: after building the stage's weights it draws whether the
    /// stage updates on each step (`updateProbability < 1`). No generator is shared between
    /// stages, so a stage's draws do not depend on where its neighbours run.
    public internal(set) var generator: SeededGenerator

    /// Bootstrapped targets δᵢ that arrived from above and wait for their turn (delay K).
    var inbox = TargetInbox()
    /// The top stage's loss gradient, and direct feedback's projected error (reused buffers).
    var lossGradient = Matrix.empty
    var feedbackGradient = Matrix.empty
    /// Replicas of the body for micro-batches in flight (GPipe-style backprop), the body first.
    var bodyReplicas: [Sequential] = []
    /// Per-parameter sums of micro-batch gradients (GPipe-style backprop).
    var gradientSums: [Matrix] = []
    /// What the stage measured on each batch of the current segment (see ``StageLog``).
    public internal(set) var log = StageLog()

    /// A stage of `body` updated by `optimizer`, drawing its update decisions from `generator`.
    public init(body: Sequential, optimizer: any Optimizer, synthesizer: (any Synthesizer)? = nil,
                directFeedback: Matrix? = nil, generator: SeededGenerator = SeededGenerator(seed: 0)) {
        if let synthesizer {
            precondition(synthesizer.activationSize == body.outputSize,
                         "the synthesizer reads \(synthesizer.activationSize) features; the stage outputs \(body.outputSize)")
        }
        self.body = body
        self.optimizer = optimizer
        self.synthesizer = synthesizer
        self.directFeedback = directFeedback
        self.generator = generator
        self.bodyReplicas = [body]
    }

    /// Width of the stage input.
    public var inputSize: Int { body.inputSize }
    /// Width of the stage output hᵢ.
    public var outputSize: Int { body.outputSize }
    /// The stage's trainable parameters (not the synthesizer's).
    public var parameters: [Parameter] { body.parameters }

    /// hᵢ = fᵢ(hᵢ₋₁).
    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        body.forward(input, mode: mode)
    }

    /// Pushes `outputGradient` (true or synthetic) back through the stage, writing parameter
    /// gradients; returns δᵢ₋₁ = (∂fᵢ/∂hᵢ₋₁)ᵀ·gradient when `needsInputGradient`.
    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        body.backward(outputGradient, needsInputGradient: needsInputGradient)
    }

    /// Applies the optimizer to the gradients of the last backward pass.
    public func update() {
        optimizer.update(body.parameters)
    }

    /// Draws from the stage's own stream whether it applies its update on this step: always
    /// when `probability >= 1` (and then nothing is drawn), else with that probability.
    func drawsUpdate(probability: Double) -> Bool {
        probability >= 1 || generator.nextUnitDouble() < probability
    }
}

/// What one stage measured on each batch of a segment, indexed by the batch's position in the
/// segment: written by the thread that owns the stage, read once the segment is over.
public struct StageLog: Sendable {
    /// The task loss of each batch (top stage only; 0 elsewhere).
    public var loss: [Double] = []
    /// The synthesizer's regression loss L_M of the step it learned on at each batch (0 if none).
    public var synthesizerLoss: [Double] = []
    /// Whether the synthesizer learned at each batch.
    public var synthesizerLearned: [Bool] = []
    /// L_M of the synthesizer of the stage *below*, when this stage's thread runs its learning
    /// step (pipelined DNI: the target is computed here), and whether it learned, per batch.
    public var lowerSynthesizerLoss: [Double] = []
    /// Whether the synthesizer of the stage below learned here at each batch.
    public var lowerSynthesizerLearned: [Bool] = []
    /// L_M of the synthesizer of the stage *above*, when this stage's thread runs its learning
    /// step (pipelined DNI, placement `.below`), and whether it learned, per batch.
    public var upperSynthesizerLoss: [Double] = []
    /// Whether the synthesizer of the stage above learned here at each batch.
    public var upperSynthesizerLearned: [Bool] = []

    /// Clears the log for a segment of `count` batches (allocates per segment, not per step).
    mutating func reset(count: Int) {
        if loss.count == count {
            for position in 0..<count {
                loss[position] = 0
                synthesizerLoss[position] = 0
                synthesizerLearned[position] = false
                lowerSynthesizerLoss[position] = 0
                lowerSynthesizerLearned[position] = false
                upperSynthesizerLoss[position] = 0
                upperSynthesizerLearned[position] = false
            }
        } else {
            loss = Array(repeating: 0, count: count)
            synthesizerLoss = loss
            lowerSynthesizerLoss = loss
            upperSynthesizerLoss = loss
            synthesizerLearned = Array(repeating: false, count: count)
            lowerSynthesizerLearned = synthesizerLearned
            upperSynthesizerLearned = synthesizerLearned
        }
    }
}
