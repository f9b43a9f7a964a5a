import Linalg

/// One diagnostic probe of a recurrent network at a window boundary.
public struct RecurrentProbeRecord: Sendable, Equatable {
    /// Training windows completed before the probe.
    public var window: Int
    /// Mean over the streams of ‖c‖ at the carried state (LSTM), or nil.
    public var meanCellNorm: Double?
    /// Fraction of forget gates above 0.99 over the last training window, or nil.
    public var saturatedForgetFraction: Double?
    /// cos(ĝ, g) between the synthetic gradient ĝ = M(s) and the true gradient g from the next
    /// `horizon` windows at the carried state s; nil without a synthesizer.
    public var cosine: Double?
    /// ‖ĝ‖ / ‖g‖, nil without a synthesizer.
    public var normRatio: Double?
    /// ‖g‖ per stream (mean of the row norms of the true future gradient).
    public var trueGradientNorm: Double
    /// Windows the true gradient looked ahead.
    public var horizon: Int
}

extension RecurrentNetwork {
    /// g = ∂L_future/∂s at the carried state s (`[B, stateSize]`): the gradient of the summed
    /// per-row loss of the task's next `windows` windows, by backpropagating through them on a
    /// copy of the task's streams, with nothing injected beyond them. Leaves the network's
    /// parameters, carried state and the task untouched (parameter gradients are overwritten).
    public func futureGradient(task: any RecurrentTask, windows: Int) -> Matrix {
        let future = task.copy()
        let steps = windows * truncation, batch = batchSize
        future.nextWindow(inputs: &probeInputs, steps: steps)
        cell.prepareWindow(steps: steps, batch: batch)
        if probeStates.count != steps + 1 {
            probeStates = (0...steps).map { _ in Matrix(rows: batch, columns: cell.stateSize) }
        }
        probeStates[0].assign(state)
        for t in 0..<steps {
            cell.forward(step: t, inputs: probeInputs, state: probeStates[t], nextState: &probeStates[t + 1])
        }
        let logits = readout.forward(cell.outputs, mode: .probe)
        _ = future.loss(logits: logits, gradient: &probeGradient)
        let outputGradients = readout.backward(probeGradient, needsInputGradient: true)
        probeNext.resize(rows: batch, columns: cell.stateSize)
        probeNext.fill(0)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            cell.backward(step: t, outputGradients: outputGradients, nextStateGradient: probeNext,
                          stateGradient: &probePrevious, needsStateGradient: true, needsInputGradient: false)
            swap(&probeNext, &probePrevious)
        }
        cell.prepareWindow(steps: truncation, batch: batch)
        return probeNext
    }

    /// Measures the network's health and its synthetic gradient's quality at the carried state s
    /// (Jaderberg et al. 2016 compare ĝ with the true gradient in the same spirit): ‖c‖, the
    /// saturated forget gates of the last window, and cos(M(s), g) where g = ∂L_future/∂s is the
    /// true gradient of the loss of the next `windows` windows, found by backpropagating through
    /// them on a copy of the task's streams (`task.copy()`), with nothing beyond them.
    ///
    /// Off the training path: the network's parameters, carried state and the task's streams are
    /// untouched (parameter gradients are overwritten, as every window overwrites them).
    public func probe(task: any RecurrentTask, windows: Int, window: Int) -> RecurrentProbeRecord {
        precondition(windows >= 1, "a probe looks at least one window ahead")
        let diagnostics = cell.diagnostics(state: state, steps: truncation)
        let trueGradient = futureGradient(task: task, windows: windows)
        let batch = batchSize
        var rowNorms = 0.0
        for r in 0..<batch {
            var squares = 0.0
            for c in 0..<trueGradient.columns { let v = Double(trueGradient[r, c]); squares += v * v }
            rowNorms += squares.squareRoot()
        }
        var cosine: Double?, normRatio: Double?
        if let synthesizer {
            var synthetic = Matrix.empty
            synthesizer.predict(state, into: &synthetic)
            let trueNorm = trueGradient.norm(), syntheticNorm = synthetic.norm()
            cosine = trueNorm > 0 && syntheticNorm > 0 ? synthetic.dot(trueGradient) / (trueNorm * syntheticNorm) : 0
            normRatio = trueNorm > 0 ? syntheticNorm / trueNorm : nil
        }
        return RecurrentProbeRecord(
            window: window, meanCellNorm: diagnostics.meanCellNorm,
            saturatedForgetFraction: diagnostics.saturatedForgetFraction, cosine: cosine, normRatio: normRatio,
            trueGradientNorm: rowNorms / Double(batch), horizon: windows)
    }
}
