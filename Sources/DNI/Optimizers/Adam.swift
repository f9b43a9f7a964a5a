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
    public private(set) var stepCount = 0
    private var beta1Power: Float = 1
    private var beta2Power: Float = 1
    private var firstMoments: [Matrix] = []
    private var secondMoments: [Matrix] = []

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
