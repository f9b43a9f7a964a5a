import Foundation

/// Number formatting for reports: locale-independent (always a `.` decimal point), so the same
/// input gives the same bytes on every machine.
enum ReportNumberFormat {
    /// An SVG coordinate with one decimal: `12.5`.
    static func coordinate(_ value: Double) -> String {
        let text = String(format: "%.1f", value)
        return text == "-0.0" ? "0.0" : text
    }

    /// `value` with `digits` significant digits: `0.1234`, `1.234e-05`.
    static func significant(_ value: Double, digits: Int = 4) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
        return String(format: "%.\(digits)g", value)
    }

    /// `value` with exactly `decimals` digits after the point: `97.25`.
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return significant(value) }
        let text = String(format: "%.\(max(0, decimals))f", value)
        return text.hasPrefix("-") && text.allSatisfy({ "-0.".contains($0) }) ? String(text.dropFirst()) : text
    }

    /// A whole number with thin-space thousands groups: `12 800`.
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return significant(value) }
        let digits = String(format: "%.0f", abs(value))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        let sign = value < 0 && digits != "0" ? "−" : ""
        return sign + groups.joined(separator: "\u{2009}")
    }
}
