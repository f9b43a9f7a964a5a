import Linalg

/// DNI + Aux, the auxiliary task of recurrent DNI (Jaderberg et al. 2016, arXiv:1608.05343, §3.1,
/// "future synthetic gradient prediction"): the core's states inside a window predict the
/// synthetic gradient that the window will end with, so the core is pushed to carry, early in the
/// window, what the gradient from beyond the window depends on.
///
/// For a window with states s₁ … s_{T−1} (`[B, S]` each; s₀ is carried in and s_T is where
/// ĝ_T = M(s_T) is injected) and the auxiliary head A(s) = s·W + b (W: `[S, S]`, b: `[1, S]`,
/// both zero at the start, like M):
///
///   e_t = A(s_t) − ĝ_T  (ĝ_T a constant: the synthesizer's unscaled prediction at s_T),
///   the window's objective gains β·Σ_{t=1}^{T−1} ½‖e_{t,n}‖² per stream n,
///   ∂ℓ/∂s_t += β·e_t·Wᵀ  (per stream, added before the backward of step t−1),
///   A learns ½‖e‖² averaged over its (T−1)·B rows: ∂/∂W = (1/((T−1)B))·Zᵀ·E, ∂/∂b = mean rows of E,
///   with Z the stacked states and E the stacked errors, `[(T−1)·B, S]`.
///
/// A's own regression does not depend on β, so with β = 0 the core trains exactly as plain DNI
/// (tested bit for bit) while A still learns. With T = 1 there is no state inside the window and
/// the task does nothing. A warmed-up window allocates nothing.
public final class FutureSyntheticGradientPredictor {
    /// W, `[stateSize, stateSize]`, zero at the start.
    public let weight: Parameter
    /// b, `[1, stateSize]`, zero at the start.
    public let bias: Parameter
    /// Both parameters, for the optimizer and checkpoints.
    public let parameters: [Parameter]
    /// The optimizer of A.
    public let optimizer: any Optimizer
    /// β, the weight of the auxiliary loss in the core's objective.
    public var lossWeight: Float
    private let engine: GEMMEngine
    private var stackedStates = Matrix.empty, errors = Matrix.empty
    /// β·E·Wᵀ, `[(T−1)·B, S]`: block t−1 is the gradient added at s_t.
    private var stateGradients = Matrix.empty

    /// A zero-initialised head for states of `stateSize` columns.
    public init(stateSize: Int, lossWeight: Float, optimizer: any Optimizer, engine: GEMMEngine = .default) {
        weight = Parameter(name: "auxiliary.weight", value: Matrix(rows: stateSize, columns: stateSize))
        bias = Parameter(name: "auxiliary.bias", value: Matrix(rows: 1, columns: stateSize))
        parameters = [weight, bias]
        self.optimizer = optimizer
        self.lossWeight = lossWeight
        self.engine = engine
    }

    /// Forward and backward of the auxiliary loss for a window whose states are `states[1..<steps]`
    /// (`states[t]` is s_t, `[B, S]`) and whose synthetic gradient is `target` = ĝ_T (`[B, S]`).
    /// Writes A's parameter gradients and the state gradients that
    /// ``addStateGradient(at:to:)`` hands out. Returns ½‖e‖² averaged over the (T−1)·B rows
    /// (0 when `steps` < 2).
    @discardableResult
    public func evaluate(states: [Matrix], steps: Int, target: Matrix) -> Double {
        guard steps >= 2 else { return 0 }
        let batch = target.rows, size = target.columns, rows = (steps - 1) * batch
        precondition(weight.value.rows == size, "the auxiliary head reads \(weight.value.rows) state columns, got \(size)")
        stackedStates.resize(rows: rows, columns: size)
        stackedStates.withUnsafeMutableBufferPointer { z in
            for t in 1..<steps {
                states[t].withUnsafeBufferPointer { s in
                    precondition(s.count == batch * size, "state \(t) is not [\(batch), \(size)]")
                    let offset = (t - 1) * batch * size
                    for i in 0..<(batch * size) { z[offset + i] = s[i] }
                }
            }
        }
        // E = Z·W + b − ĝ_T (repeated per block).
        engine.multiply(stackedStates, weight.value, into: &errors)
        var squares = 0.0
        errors.withUnsafeMutableBufferPointer { e in
            bias.value.withUnsafeBufferPointer { b in
                target.withUnsafeBufferPointer { g in
                    for block in 0..<(steps - 1) {
                        let offset = block * batch * size
                        for n in 0..<batch {
                            for j in 0..<size {
                                let index = offset + n * size + j
                                let difference = e[index] + b[j] - g[n * size + j]
                                e[index] = difference
                                squares += Double(difference * difference)
                            }
                        }
                    }
                }
            }
        }
        let scale = 1 / Float(rows)
        engine.multiply(stackedStates, transposeA: true, errors, alpha: scale, into: &weight.gradient)
        errors.sumRows(scale: scale, into: &bias.gradient)
        engine.multiply(errors, weight.value, transposeB: true, alpha: lossWeight, into: &stateGradients)
        return 0.5 * squares / Double(rows)
    }

    /// Adds β·e_t·Wᵀ, the auxiliary gradient at s_t (1 ≤ t < T of the last ``evaluate(states:steps:target:)``),
    /// to `stateGradient` (`[B, S]`, holding ∂ℓ/∂s_t from the later steps).
    public func addStateGradient(at step: Int, to stateGradient: inout Matrix) {
        let count = stateGradient.count
        precondition(step >= 1 && step * count <= stateGradients.count, "no auxiliary gradient for state \(step)")
        stateGradients.withUnsafeBufferPointer { a in
            stateGradient.withUnsafeMutableBufferPointer { g in
                let offset = (step - 1) * count
                for i in 0..<count { g[i] += a[offset + i] }
            }
        }
    }

    /// One optimizer step of A from the gradients of the last ``evaluate(states:steps:target:)``.
    public func update() { optimizer.update(parameters) }
}

extension FutureSyntheticGradientPredictor {
    /// Writes the head's parameters and optimizer.
    func saveState(into tree: inout StateTree, path: String) {
        tree.set("\(path).weight", matrix: weight.value)
        tree.set("\(path).bias", matrix: bias.value)
        optimizer.saveState(into: &tree, path: "\(path).optimizer")
    }

    /// Reads back what ``saveState(into:path:)`` wrote.
    func loadState(from tree: StateTree, path: String) throws(InputError) {
        try tree.load("\(path).weight", into: &weight.value)
        try tree.load("\(path).bias", into: &bias.value)
        try optimizer.loadState(from: tree, path: "\(path).optimizer", parameters: parameters)
    }
}
