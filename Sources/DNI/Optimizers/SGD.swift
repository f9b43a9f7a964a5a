import Linalg

/// Stochastic gradient descent with optional momentum:
/// v ← μ·v + g, θ ← θ − η·v (plain SGD when μ = 0: θ ← θ − η·g).
public final class SGD: Optimizer {
    public var learningRate: Float
    /// The momentum coefficient μ.
    public let momentum: Float
    fileprivate var velocities: [Matrix] = []

    /// An optimizer with step size `learningRate` and momentum `momentum`.
    public init(learningRate: Float, momentum: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func update(_ parameters: [Parameter]) {
        if momentum == 0 {
            for parameter in parameters { parameter.value.add(parameter.gradient, scaledBy: -learningRate) }
            return
        }
        if velocities.count != parameters.count {
            velocities = parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
        }
        let momentum = self.momentum, learningRate = self.learningRate
        for (index, parameter) in parameters.enumerated() {
            // One fused pass over memory: v ← μ·v + g, θ ← θ − η·v.
            parameter.gradient.withUnsafeBufferPointer { g in
                velocities[index].withUnsafeMutableBufferPointer { v in
                    parameter.value.withUnsafeMutableBufferPointer { theta in
                        for i in theta.indices {
                            v[i] = momentum * v[i] + g[i]
                            theta[i] -= learningRate * v[i]
                        }
                    }
                }
            }
        }
    }
}

extension SGD {
    public func saveState(into tree: inout StateTree, path: String) {
        tree.set("\(path).learning_rate", floats: [learningRate])
        for (index, velocity) in velocities.enumerated() { tree.set("\(path).velocity.\(index)", matrix: velocity) }
    }

    public func loadState(from tree: StateTree, path: String, parameters: [Parameter]) throws(InputError) {
        learningRate = try tree.floats("\(path).learning_rate", count: 1)[0]
        guard tree.contains("\(path).velocity.0") else {
            velocities = []
            return
        }
        var loaded: [Matrix] = []
        for (index, parameter) in parameters.enumerated() {
            loaded.append(try tree.matrix("\(path).velocity.\(index)", rows: parameter.value.rows,
                                          columns: parameter.value.columns))
        }
        velocities = loaded
    }
}
