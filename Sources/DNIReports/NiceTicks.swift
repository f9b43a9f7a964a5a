import Foundation

/// Axis ticks at "nice" values — 1, 2 or 5 times a power of ten — covering a data range, after
/// Heckbert's "Nice numbers for graph labels" (Graphics Gems, 1990). The axis is widened to whole
/// steps ("loose" labelling) so the first and last ticks sit on the axis ends.
public struct NiceTicks: Sendable, Equatable {
    /// The axis minimum: the first tick.
    public var lower: Double
    /// The axis maximum: the last tick.
    public var upper: Double
    /// The distance between ticks.
    public var step: Double
    /// The tick values, from `lower` to `upper`.
    public var values: [Double]

    /// Ticks covering [`minimum`, `maximum`], about `targetCount` of them (at least 2).
    /// With `integerStep`, the step is at least 1 (for counts such as epochs).
    /// An empty range (`minimum == maximum`) is widened around its value.
    public init(minimum: Double, maximum: Double, targetCount: Int, integerStep: Bool = false) {
        var minimum = Swift.min(minimum, maximum)
        var maximum = Swift.max(minimum, maximum)
        if !(minimum.isFinite && maximum.isFinite) {
            (minimum, maximum) = (0, 1)
        }
        if maximum - minimum <= Swift.max(abs(maximum), abs(minimum)) * 1e-12 {
            let half = minimum == 0 ? 1 : Swift.max(abs(minimum) * 0.1, integerStep ? 1 : 0)
            (minimum, maximum) = (minimum - half, maximum + half)
        }
        let intervals = Double(Swift.max(1, targetCount - 1))
        let range = Self.niceNumber(maximum - minimum, rounding: false)
        var step = Self.niceNumber(range / intervals, rounding: true)
        if integerStep {
            step = Swift.max(step, 1)
        }
        let first = (minimum / step).rounded(.down)
        let last = (maximum / step).rounded(.up)
        self.step = step
        self.lower = first * step
        self.upper = last * step
        self.values = stride(from: first, through: last, by: 1).map { index in
            let value = index * step
            return abs(value) < step * 1e-9 ? 0 : value
        }
    }

    /// The number of decimals that shows every tick exactly: 0 for a step of 5, 2 for 0.05.
    public var decimals: Int {
        Swift.max(0, Int((-log10(step) - 1e-9).rounded(.up)))
    }

    /// The tick labels, all with the same number of decimals.
    public var labels: [String] {
        values.map { ReportNumberFormat.fixed($0, decimals: decimals) }
    }

    /// A nice number near `value`: 1, 2, 5 or 10 times a power of ten. Rounding picks the
    /// nearest; otherwise the smallest nice number at least `value`.
    public static func niceNumber(_ value: Double, rounding: Bool) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let exponent = log10(value).rounded(.down)
        let power = pow(10, exponent)
        let fraction = value / power
        let nice: Double
        if rounding {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }
}
