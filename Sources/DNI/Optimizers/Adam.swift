import Linalg

/// Adam (Kingma and Ba 2015), the optimizer of the paper's MNIST and CIFAR experiments:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η·m̂ / (√v̂ + ε),
/// with the bias-corrected m̂ = m / (1−β₁ᵗ), v̂ = v / (1−β₂ᵗ).
public final class Adam: Optimizer {
    public var learningRate: Float
    /// Decay of the first-moment estimate.
    public let beta1: Float
    /// Decay of the second-moment estimate.
    public let beta2: Float
    /// Added to √v̂ for numerical stability.
    public let epsilon: Float
    /// Number of updates applied so far (t).
    public internal(set) var stepCount = 0
    fileprivate var beta1Power: Float = 1
    fileprivate var beta2Power: Float = 1
    fileprivate var firstMoments: [Matrix] = []
    fileprivate var secondMoments: [Matrix] = []

    /// An optimizer with the given step size and Adam's usual constants.
    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func update(_ parameters: [Parameter]) {
        if firstMoments.count != parameters.count {
            firstMoments = parameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
            secondMoments = firstMoments
        }
        stepCount += 1
        beta1Power *= beta1
        beta2Power *= beta2
        let correction1 = 1 - beta1Power, correction2 = 1 - beta2Power
        let stepSize = learningRate / correction1
        let inverseCorrection2 = 1 / correction2
        let beta1 = self.beta1, beta2 = self.beta2, epsilon = self.epsilon
        for (index, parameter) in parameters.enumerated() {
            parameter.value.adamStep(gradient: parameter.gradient, firstMoment: &firstMoments[index],
                                     secondMoment: &secondMoments[index], beta1: beta1, beta2: beta2,
                                     step: stepSize, correction2: inverseCorrection2, epsilon: epsilon)
        }
    }
}

extension Adam {
    public func saveState(into tree: inout StateTree, path: String) {
        tree.set("\(path).learning_rate", floats: [learningRate])
        tree.set("\(path).step_count", integer: stepCount)
        tree.set("\(path).beta_powers", floats: [beta1Power, beta2Power])
        for (index, moment) in firstMoments.enumerated() { tree.set("\(path).first_moment.\(index)", matrix: moment) }
        for (index, moment) in secondMoments.enumerated() { tree.set("\(path).second_moment.\(index)", matrix: moment) }
    }

    public func loadState(from tree: StateTree, path: String, parameters: [Parameter]) throws(InputError) {
        learningRate = try tree.floats("\(path).learning_rate", count: 1)[0]
        stepCount = try tree.integer("\(path).step_count")
        let powers = try tree.floats("\(path).beta_powers", count: 2)
        beta1Power = powers[0]
        beta2Power = powers[1]
        // Moments exist once the first update has run.
        guard tree.contains("\(path).first_moment.0") else {
            firstMoments = []
            secondMoments = []
            return
        }
        var first: [Matrix] = [], second: [Matrix] = []
        for (index, parameter) in parameters.enumerated() {
            let rows = parameter.value.rows, columns = parameter.value.columns
            first.append(try tree.matrix("\(path).first_moment.\(index)", rows: rows, columns: columns))
            second.append(try tree.matrix("\(path).second_moment.\(index)", rows: rows, columns: columns))
        }
        firstMoments = first
        secondMoments = second
    }
}
