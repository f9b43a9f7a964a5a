import Linalg

/// A loss L = (1/B) Σₙ ℓ(yₙ, tₙ) over a batch of predictions y and targets t.
public protocol Loss: Sendable {
    /// A short name for messages and metrics.
    var name: String { get }

    /// Returns L and writes the per-example gradient ∂ℓₙ/∂yₙ into `gradient` (resized to y's shape).
    func evaluate(prediction: Matrix, target: Matrix, gradient: inout Matrix) -> Double

    /// Returns L without computing a gradient.
    func value(prediction: Matrix, target: Matrix) -> Double
}

/// The squared error ℓ(y, t) = ½‖y − t‖², whose per-example gradient is y − t.
///
/// The post's binary-addition network uses it with a sigmoid output layer.
public struct MeanSquaredError: Loss {
    public init() {}

    public var name: String { "mean_squared_error" }

    public func evaluate(prediction: Matrix, target: Matrix, gradient: inout Matrix) -> Double {
        precondition(prediction.rows == target.rows && prediction.columns == target.columns,
                     "MeanSquaredError: prediction \(prediction.shape) and target \(target.shape) differ")
        prediction.zip(target, into: &gradient) { y, t in y - t }
        return 0.5 * gradient.dot(gradient) / Double(max(1, prediction.rows))
    }

    public func value(prediction: Matrix, target: Matrix) -> Double {
        precondition(prediction.rows == target.rows && prediction.columns == target.columns,
                     "MeanSquaredError: prediction \(prediction.shape) and target \(target.shape) differ")
        return prediction.withUnsafeBufferPointer { y in
            target.withUnsafeBufferPointer { t in
                var sum = 0.0
                for i in y.indices {
                    let difference = Double(y[i]) - Double(t[i])
                    sum += difference * difference
                }
                return 0.5 * sum / Double(max(1, prediction.rows))
            }
        }
    }
}
