import Linalg

/// Stochastic gradient descent with optional momentum:
/// v ← μ·v + g, θ ← θ − η·v (plain SGD when μ = 0: θ ← θ − η·g).
public final class SGD: Optimizer {
    public var learningRate: Float
    /// The momentum coefficient μ.
    public let momentum: Float
    private var velocities: [Matrix] = []

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
