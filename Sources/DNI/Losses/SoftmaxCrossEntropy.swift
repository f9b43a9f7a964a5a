import Linalg

/// Softmax cross-entropy on logits z: ℓ(z, t) = −Σⱼ tⱼ log softmax(z)ⱼ, with per-example
/// gradient softmax(z) − t (for targets t that sum to 1, such as one-hot labels).
///
/// Computed stably: log softmax(z)ⱼ = zⱼ − m − log Σₖ e^(zₖ − m) with m = maxₖ zₖ, so no
/// exponential overflows whatever the logits.
public struct SoftmaxCrossEntropy: Loss {
    public init() {}

    public var name: String { "softmax_cross_entropy" }

    public func evaluate(prediction: Matrix, target: Matrix, gradient: inout Matrix) -> Double {
        gradient.resize(rows: prediction.rows, columns: prediction.columns)
        return compute(prediction: prediction, target: target, gradient: &gradient, writeGradient: true)
    }

    public func value(prediction: Matrix, target: Matrix) -> Double {
        var unused = Matrix.empty
        return compute(prediction: prediction, target: target, gradient: &unused, writeGradient: false)
    }

    private func compute(prediction: Matrix, target: Matrix, gradient: inout Matrix, writeGradient: Bool) -> Double {
        precondition(prediction.rows == target.rows && prediction.columns == target.columns,
                     "SoftmaxCrossEntropy: logits \(prediction.shape) and target \(target.shape) differ")
        let rows = prediction.rows, columns = prediction.columns
        var total = 0.0
        prediction.withUnsafeBufferPointer { z in
            target.withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { g in
                    for r in 0..<rows {
                        let base = r * columns
                        var maximum = -Float.infinity
                        for c in 0..<columns { maximum = max(maximum, z[base + c]) }
                        var sum: Float = 0
                        for c in 0..<columns { sum += exponential(z[base + c] - maximum) }
                        let logSum = logarithm(sum)
                        var rowLoss = 0.0
                        for c in 0..<columns {
                            let logProbability = z[base + c] - maximum - logSum
                            if t[base + c] != 0 { rowLoss -= Double(t[base + c]) * Double(logProbability) }
                            if writeGradient { g[base + c] = exponential(logProbability) - t[base + c] }
                        }
                        total += rowLoss
                    }
                }
            }
        }
        return total / Double(max(1, rows))
    }
}
