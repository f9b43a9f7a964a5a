import Foundation

/// A resolved axis: the data interval it shows, where each value lands on it, and its ticks.
struct AxisScale: Equatable {
    /// One tick: its value, its label (empty for an unlabelled minor tick), and whether it is major.
    struct Tick: Equatable {
        var value: Double
        var label: String
        var isMajor: Bool
    }

    /// The smallest and largest value the axis shows.
    var lower: Double
    var upper: Double
    /// True for a base-10 logarithmic axis.
    var isLogarithmic: Bool
    /// The ticks, in increasing order.
    var ticks: [Tick]

    /// A linear axis with nice ticks over the values, about `targetCount` of them. A loose axis
    /// is widened to the ticks beyond the data; a tight one spans the data plus `margin` (a
    /// fraction of the range) on each side, with the ticks that fall inside.
    static func linear(
        values: [Double], targetCount: Int, integerStep: Bool = false, tight: Bool = false, margin: Double = 0.03
    ) -> AxisScale {
        let finite = values.filter(\.isFinite)
        let nice = NiceTicks(
            minimum: finite.min() ?? 0, maximum: finite.max() ?? 1, targetCount: targetCount, integerStep: integerStep)
        var lower = nice.lower
        var upper = nice.upper
        if tight, let minimum = finite.min(), let maximum = finite.max() {
            let padding = maximum > minimum ? (maximum - minimum) * margin : nice.step / 2
            lower = minimum - padding
            upper = maximum + padding
        }
        let labels = compactThousands(nice.values) ?? nice.labels
        let ticks = zip(nice.values, labels)
            .filter { value, _ in value >= lower - nice.step * 1e-9 && value <= upper + nice.step * 1e-9 }
            .map { Tick(value: $0, label: $1, isMajor: true) }
        return AxisScale(lower: lower, upper: upper, isLogarithmic: false, ticks: ticks)
    }

    /// Labels `20k`, `40k`… when every tick is a whole number of thousands and they reach 10 000,
    /// and `0.5M`, `1M`… when they reach a million.
    static func compactThousands(_ values: [Double]) -> [String]? {
        guard let largest = values.map(abs).max(), largest >= 10_000,
              values.allSatisfy({ ($0 / 1000).rounded() == $0 / 1000 })
        else { return nil }
        let (unit, suffix) = largest >= 1_000_000 ? (1_000_000.0, "M") : (1000.0, "k")
        let step = values.count > 1 ? abs(values[1] - values[0]) / unit : 1
        let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        return values.map { $0 == 0 ? "0" : ReportNumberFormat.fixed($0 / unit, decimals: decimals) + suffix }
    }

    /// A log axis from the largest 1, 2 or 5 × 10ᵏ at or below the smallest value to the smallest
    /// one at or above the largest (from decade to decade when that spans over 3 decades). Decades are labelled (every second or third one when there are
    /// many), and so are the axis ends; within few decades, 2× and 5× are labelled too; the other
    /// integer multiples get unlabelled minor ticks.
    static func logarithmic(values: [Double]) -> AxisScale {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        var lower = logarithmicBound(positive.min() ?? 1, roundingUp: false)
        var upper = logarithmicBound(positive.max() ?? 10, roundingUp: true)
        if upper <= lower * (1 + 1e-9) {
            upper = logarithmicBound(lower * 1.5, roundingUp: true)
        }
        if log10(upper / lower) > 3 {
            // Over many decades the axis ends on decades, which carry the labels.
            lower = pow(10, log10(lower).rounded(.down))
            upper = pow(10, (log10(upper) - 1e-9).rounded(.up))
        }
        let decades = log10(upper / lower)
        let labelEvery = decades <= 6.5 ? 1 : decades <= 12.5 ? 2 : 3
        let lowerExponent = Int(log10(lower).rounded(.down))
        let upperExponent = Int(log10(upper).rounded(.up))
        var ticks: [Tick] = []
        for exponent in lowerExponent...upperExponent {
            let power = pow(10, Double(exponent))
            for multiple in 1...9 {
                let value = Double(multiple) * power
                guard value >= lower * (1 - 1e-9), value <= upper * (1 + 1e-9) else { continue }
                let isEnd = abs(value / lower - 1) < 1e-9 || abs(value / upper - 1) < 1e-9
                if multiple == 1 {
                    let labelled = (exponent - lowerExponent) % labelEvery == 0 || isEnd
                    ticks.append(Tick(value: value, label: labelled ? decadeLabel(exponent) : "", isMajor: true))
                } else if decades <= 5.5 || isEnd {
                    let labelled = isEnd || (decades <= 2.5 && (multiple == 2 || multiple == 5))
                    ticks.append(Tick(
                        value: value, label: labelled ? plainLabel(value, exponent: exponent) : "", isMajor: false))
                }
            }
        }
        return AxisScale(lower: lower, upper: upper, isLogarithmic: true, ticks: ticks)
    }

    /// The nearest 1, 2 or 5 × 10ᵏ at or below `value` (or at or above it, `roundingUp`).
    static func logarithmicBound(_ value: Double, roundingUp: Bool) -> Double {
        let exponent = log10(value).rounded(.down)
        let power = pow(10, exponent)
        let multiples: [Double] = [1, 2, 5, 10]
        if roundingUp {
            let multiple = multiples.first { $0 * power >= value * (1 - 1e-9) } ?? 10
            return multiple * power
        }
        let multiple = multiples.last { $0 * power <= value * (1 + 1e-9) } ?? 1
        return multiple * power
    }

    /// The position of `value` along the axis, 0 at `lower` and 1 at `upper`.
    func fraction(of value: Double) -> Double {
        if isLogarithmic {
            let low = log10(lower)
            let high = log10(upper)
            return (log10(Swift.max(value, Double.leastNormalMagnitude)) - low) / (high - low)
        }
        return (value - lower) / (upper - lower)
    }

    /// Whether `value` can be placed on this axis (a log axis cannot place 0 or negatives).
    func canShow(_ value: Double) -> Bool {
        value.isFinite && (!isLogarithmic || value > 0)
    }

    /// 10ᵏ as a label: plain decimals for 10⁻³ … 10⁴, `10⁻⁵` style beyond.
    static func decadeLabel(_ exponent: Int) -> String {
        if (-3...4).contains(exponent) {
            return plainLabel(pow(10, Double(exponent)), exponent: exponent)
        }
        let superscripts: [Character: Character] = [
            "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
        ]
        return "10" + String(String(exponent).map { superscripts[$0] ?? $0 })
    }

    /// `value` (a multiple of 10^`exponent`) with just the decimals it needs: `0.02`, `500`.
    static func plainLabel(_ value: Double, exponent: Int) -> String {
        if exponent >= 5 || exponent <= -5 {
            return ReportNumberFormat.significant(value, digits: 1)
        }
        return ReportNumberFormat.fixed(value, decimals: Swift.max(0, -exponent))
    }
}
