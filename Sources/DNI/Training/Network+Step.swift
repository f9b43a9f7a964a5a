import Linalg

/// What one training step measured.
public struct StepResult: Sendable, Equatable {
    /// The task loss L on this batch (before the update).
    public var loss: Double
    /// Mean over the synthesizers that learned this step of their regression loss L_M (0 without).
    public var synthesizerLoss: Double
}

extension Network {
    /// One training step on a batch, with the method the network was built for.
    ///
    /// `condition` is what cDNI synthesizers read (the one-hot label, or the target bits of the
    /// addition task); it defaults to `target`.
    @discardableResult
    public func trainStep(input: Matrix, target: Matrix, condition: Matrix? = nil) -> StepResult {
        switch method {
        case .backprop, .fa: backpropagationStep(input: input, target: target)
        case .dni, .cdni: decoupledStep(input: input, target: target, condition: condition ?? target)
        case .dfa: directFeedbackStep(input: input, target: target)
        }
    }

    /// Whether stage updates this step (always, unless `updateProbability < 1`).
    private func drawsUpdate() -> Bool {
        updateProbability >= 1 || updateGenerator.nextUnitDouble() < updateProbability
    }

    /// Backprop (and feedback alignment, whose `Dense` layers carry random feedback matrices):
    /// forward through every stage, backward through every stage, then update.
    private func backpropagationStep(input: Matrix, target: Matrix) -> StepResult {
        var activation = input
        for stage in stages { activation = stage.forward(activation, mode: .training) }
        let lossValue = loss.evaluate(prediction: activation, target: target, gradient: &lossGradient)
        var gradient = lossGradient
        for index in stages.indices.reversed() {
            gradient = stages[index].backward(gradient, needsInputGradient: index > 0)
        }
        for stage in stages where drawsUpdate() { stage.update() }
        return StepResult(loss: lossValue, synthesizerLoss: 0)
    }

    /// DNI and cDNI (Jaderberg et al. 2016, §2): each stage computes hᵢ, asks Mᵢ for ĝᵢ, pushes
    /// ĝᵢ back through itself and updates at once. The δᵢ₋₁ that comes out is the regression
    /// target of Mᵢ₋₁ (bootstrapping); the top stage uses the true loss gradient instead.
    private func decoupledStep(input: Matrix, target: Matrix, condition: Matrix) -> StepResult {
        var activation = input
        var lossValue = 0.0
        var synthesizerLoss = 0.0
        let top = stages.count - 1
        for index in stages.indices {
            let stage = stages[index]
            activation = stage.forward(activation, mode: .training)
            let delta: Matrix
            if index == top {
                lossValue = loss.evaluate(prediction: activation, target: target, gradient: &lossGradient)
                delta = stage.backward(lossGradient, needsInputGradient: index > 0)
            } else {
                let synthetic = stage.synthesizer!.predict(activation: activation, condition: condition, mode: .training)
                delta = stage.backward(synthetic, needsInputGradient: index > 0)
            }
            if drawsUpdate() { stage.update() }
            if index > 0 {
                synthesizerLoss += stages[index - 1].synthesizer!.learn(target: delta)
            }
        }
        return StepResult(loss: lossValue, synthesizerLoss: top > 0 ? synthesizerLoss / Double(top) : 0)
    }

    /// Direct feedback alignment (Nøkland 2016): the output error e reaches hidden stage i as
    /// e·Bᵢ through a fixed random Bᵢ; the top stage uses the true gradient.
    private func directFeedbackStep(input: Matrix, target: Matrix) -> StepResult {
        var activation = input
        for stage in stages { activation = stage.forward(activation, mode: .training) }
        let lossValue = loss.evaluate(prediction: activation, target: target, gradient: &lossGradient)
        let top = stages.count - 1
        _ = stages[top].backward(lossGradient, needsInputGradient: false)
        if drawsUpdate() { stages[top].update() }
        for index in 0..<top {
            engine.multiply(lossGradient, stages[index].directFeedback!, into: &feedbackGradient)
            _ = stages[index].backward(feedbackGradient, needsInputGradient: false)
            if drawsUpdate() { stages[index].update() }
        }
        return StepResult(loss: lossValue, synthesizerLoss: 0)
    }
}
