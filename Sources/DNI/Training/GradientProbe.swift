import Linalg

/// How close one stage's synthetic gradient is to the true one, on one batch.
public struct StageProbe: Sendable, Equatable {
    /// Index of the stage whose output gradient is compared (0 = the lowest).
    public var stage: Int
    /// cos(ĝ, g) over the whole batch, in [−1, 1]: 1 means the synthetic gradient points the
    /// same way as the true one.
    public var cosine: Double
    /// ‖ĝ‖ / ‖g‖: how large the synthetic gradient is relative to the true one.
    public var normRatio: Double
    /// (1/B) Σₙ ½‖ĝₙ − gₙ‖² against the *true* gradient (not the bootstrapped target).
    public var synthesizerLoss: Double
}

extension Network {
    /// Compares each synthesizer's prediction with the true backprop gradient ∂ℓ/∂hᵢ on a batch.
    ///
    /// Runs off the training path: layers run in `.probe` mode (batch statistics, running
    /// averages untouched), synthesizers in `.inference` mode, no optimizer is called and no
    /// random number is drawn, so training with and without probes is identical. Parameter
    /// gradient buffers are overwritten, which is harmless because every training step writes
    /// them before it reads them. Call it between steps. Empty for methods without synthesizers.
    public func probe(input: Matrix, target: Matrix) -> [StageProbe] {
        guard method.usesSynthesizers, stages.count > 1 else { return [] }
        let condition = target
        var outputs: [Matrix] = []
        outputs.reserveCapacity(stages.count)
        var activation = input
        for stage in stages {
            activation = stage.forward(activation, mode: .probe)
            outputs.append(activation)
        }
        _ = loss.evaluate(prediction: activation, target: target, gradient: &lossGradient)
        var results: [StageProbe] = []
        var gradient = lossGradient
        for index in stages.indices.reversed() {
            gradient = stages[index].backward(gradient, needsInputGradient: index > 0)
            guard index > 0 else { break }
            let below = index - 1
            let synthetic = stages[below].synthesizer!.inspect(activation: outputs[below], condition: condition)
            let trueNorm = gradient.norm(), syntheticNorm = synthetic.norm()
            let dot = synthetic.dot(gradient)
            let squaredDistance = max(0, syntheticNorm * syntheticNorm - 2 * dot + trueNorm * trueNorm)
            results.append(StageProbe(
                stage: below,
                cosine: trueNorm > 0 && syntheticNorm > 0 ? dot / (trueNorm * syntheticNorm) : 0,
                normRatio: trueNorm > 0 ? syntheticNorm / trueNorm : 0,
                synthesizerLoss: 0.5 * squaredDistance / Double(max(1, gradient.rows))))
        }
        return results.reversed()
    }
}
