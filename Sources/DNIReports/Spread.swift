/// The spread of one quantity over several runs (one per seed): mean x̄ = (1/n) Σ xᵢ, sample
/// standard deviation s = √(Σ (xᵢ − x̄)² / (n − 1)) (0 for a single run), minimum and maximum.
public struct Spread: Sendable, Equatable {
    /// How many values.
    public var count: Int
    /// The mean x̄.
    public var mean: Double
    /// The sample standard deviation (n − 1 in the denominator); 0 when `count` is 1.
    public var standardDeviation: Double
    /// The smallest value.
    public var minimum: Double
    /// The largest value.
    public var maximum: Double

    /// The spread of `values`, or nil when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        count = values.count
        mean = values.reduce(0, +) / Double(values.count)
        let mean = self.mean
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        standardDeviation = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
        minimum = values.min()!
        maximum = values.max()!
    }

    /// `"1.65 ± 0.10"`, both with `decimals` digits after the point.
    public func text(decimals: Int) -> String {
        ReportNumberFormat.fixed(mean, decimals: decimals) + " ± " + ReportNumberFormat.fixed(standardDeviation, decimals: decimals)
    }
}
