import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax cross-entropy of one step's logits z against a target class k, for sequence tasks
/// whose rows may be unscored: ℓ = −log softmax(z)_k, per-row gradient softmax(z) − e_k
/// (all zeros for an unscored row, target −1). Computed stably (the maximum logit subtracted).
enum SequenceCrossEntropy {
    /// Writes the row's gradient into `gradient` (`columns` floats) and returns (ℓ in nats,
    /// whether the arg-max is the target); (0, false) for an unscored row.
    static func row(logits: UnsafePointer<Float>, columns: Int, target: Int, gradient: UnsafeMutablePointer<Float>)
        -> (loss: Double, correct: Bool) {
        guard target >= 0 else {
            for c in 0..<columns { gradient[c] = 0 }
            return (0, false)
        }
        var maximum = logits[0], best = 0
        for c in 1..<columns where logits[c] > maximum { maximum = logits[c]; best = c }
        var sum: Float = 0
        for c in 0..<columns {
            let e = expf(logits[c] - maximum)
            gradient[c] = e
            sum += e
        }
        let inverse = 1 / sum
        for c in 0..<columns { gradient[c] *= inverse }
        gradient[target] -= 1
        let loss = Double(logf(sum)) - Double(logits[target] - maximum)
        return (loss, best == target)
    }
}
