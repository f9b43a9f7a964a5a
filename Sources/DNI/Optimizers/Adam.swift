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
            parameter.gradient.withUnsafeBufferPointer { g in
                firstMoments[index].withUnsafeMutableBufferPointer { m in
                    secondMoments[index].withUnsafeMutableBufferPointer { v in
                        parameter.value.withUnsafeMutableBufferPointer { theta in
                            guard !theta.isEmpty else { return }
                            Adam.step(count: theta.count, gradient: g.baseAddress!, first: m.baseAddress!,
                                      second: v.baseAddress!, value: theta.baseAddress!,
                                      beta1: beta1, beta2: beta2, stepSize: stepSize,
                                      inverseCorrection2: inverseCorrection2, epsilon: epsilon)
                        }
                    }
                }
            }
        }
    }

    /// The element-wise update over raw buffers, eight lanes at a time (then a scalar tail):
    /// the square root and the division dominate, and SIMD8 turns them into vector instructions.
    private static func step(count: Int, gradient g: UnsafePointer<Float>, first m: UnsafeMutablePointer<Float>,
                             second v: UnsafeMutablePointer<Float>, value theta: UnsafeMutablePointer<Float>,
                             beta1: Float, beta2: Float, stepSize: Float, inverseCorrection2: Float,
                             epsilon: Float) {
        var i = 0
        let rawG = UnsafeRawPointer(g), rawM = UnsafeMutableRawPointer(m)
        let rawV = UnsafeMutableRawPointer(v), rawTheta = UnsafeMutableRawPointer(theta)
        while i + 8 <= count {
            let offset = i * MemoryLayout<Float>.stride
            let gradient = rawG.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            var firstMoment = rawM.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            var secondMoment = rawV.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            var value = rawTheta.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            firstMoment = beta1 * firstMoment + (1 - beta1) * gradient
            secondMoment = beta2 * secondMoment + (1 - beta2) * gradient * gradient
            value -= stepSize * firstMoment / ((secondMoment * inverseCorrection2).squareRoot() + epsilon)
            rawM.storeBytes(of: firstMoment, toByteOffset: offset, as: SIMD8<Float>.self)
            rawV.storeBytes(of: secondMoment, toByteOffset: offset, as: SIMD8<Float>.self)
            rawTheta.storeBytes(of: value, toByteOffset: offset, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            theta[i] -= stepSize * m[i] / ((v[i] * inverseCorrection2).squareRoot() + epsilon)
            i += 1
        }
    }

    /// The moment estimates, in parameter order (for checkpoints and tests).
    public var moments: (first: [Matrix], second: [Matrix]) { (firstMoments, secondMoments) }
}
