import Foundation

/// How a chart's value axis is scaled: chosen from the data, or as asked.
public enum AxisScaleChoice: String, Sendable, Equatable, CaseIterable {
    /// Logarithmic when the values are all positive and span more than `automaticDecades`
    /// decades; linear otherwise.
    case automatic
    /// Always linear.
    case linear
    /// Logarithmic when every value is positive; linear otherwise (a log axis cannot show 0).
    case logarithmic

    /// The span, in decades (powers of ten), above which `automatic` picks a log scale.
    public static let automaticDecades = 1.5

    /// Whether `values` should be drawn on a logarithmic axis under this choice.
    public func usesLogarithmicScale(for values: [Double]) -> Bool {
        let finite = values.filter(\.isFinite)
        guard let minimum = finite.min(), let maximum = finite.max(), minimum > 0 else { return false }
        switch self {
        case .linear: return false
        case .logarithmic: return true
        case .automatic: return log10(maximum / minimum) > Self.automaticDecades
        }
    }
}
