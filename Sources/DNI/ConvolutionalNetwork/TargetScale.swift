import Linalg

/// The running scale σ of a synthesizer's regression targets δ: σ² is the mean of δ² over the
/// elements of a target, averaged over the targets seen — a plain mean over the first `horizon`
/// targets, then an exponential average of weight 1/`horizon`:
///
///     mᵏ = ‖δᵏ‖² / (rows·columns),   nᵏ = min(nᵏ⁻¹ + 1, horizon),   σ²ᵏ = σ²ᵏ⁻¹ + (mᵏ − σ²ᵏ⁻¹)/nᵏ
///
/// A target that is exactly zero (the first ones of a stage whose upper synthesizer still
/// predicts its zero start) is not counted. σ = 1 until a non-zero target arrives.
///
/// Why a synthesizer needs it (docs/convolution.md, "Why the lower synthesizers did not
/// learn"): Adam's step on a weight has the size of the learning rate whatever the size of the
/// loss, so the step a prediction takes is set by the learning rate and the fan-in, not by the
/// targets. A convolutional synthesizer's targets are small per element (a per-example gradient
/// of norm ≈ 0.05–1 spread over 3,136 or 12,544 values) and shrink down the bootstrapped chain,
/// so its steps were tens of times larger than what it had to fit. Regressing δ/σ and predicting
/// ĝ = σ·M(h) makes the fit independent of the targets' scale.
///
/// Both numbers are `Float` (the count stays ≤ `horizon`), so the state travels exactly in a
/// stage's float state (`Stage+Transfer.swift`).
public struct TargetScale: Sendable, Hashable {
    /// Targets averaged before the average turns exponential (its effective window after).
    public let horizon: Int
    /// σ², the running mean square of the targets' elements (0 before the first non-zero target).
    public private(set) var meanSquare: Float = 0
    /// Non-zero targets counted so far, at most `horizon`.
    public private(set) var observed: Int = 0

    /// A scale that averages over `horizon` targets.
    public init(horizon: Int) {
        precondition(horizon >= 1, "a target scale averages over at least one target")
        self.horizon = horizon
    }

    /// σ = √σ², or 1 before any non-zero target.
    public var value: Float { meanSquare > 0 ? meanSquare.squareRoot() : 1 }

    /// Counts `target` (any shape) into σ²; an all-zero or non-finite target changes nothing.
    public mutating func observe(_ target: Matrix) {
        let count = target.rows * target.columns
        guard count > 0 else { return }
        let mean = Float(target.dot(target) / Double(count))
        guard mean > 0, mean.isFinite else { return }
        observed = min(observed + 1, horizon)
        meanSquare += (mean - meanSquare) / Float(observed)
    }

    /// Restores a state written as (`meanSquare`, `observed`); false when it cannot be one.
    public mutating func restore(meanSquare: Float, observed: Int) -> Bool {
        guard meanSquare >= 0, meanSquare.isFinite, (0...horizon).contains(observed),
              (observed == 0) == (meanSquare == 0) else { return false }
        self.meanSquare = meanSquare
        self.observed = observed
        return true
    }
}
