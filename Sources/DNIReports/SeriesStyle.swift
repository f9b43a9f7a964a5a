/// How one line is drawn: a colour and a dash pattern. Colours come from the Okabe–Ito palette,
/// which stays distinct under the common colour-vision deficiencies; dash patterns tell lines
/// apart in grey-scale print as well.
public struct SeriesStyle: Sendable, Equatable {
    /// A CSS colour, `#0072B2`.
    public var color: String
    /// An SVG `stroke-dasharray`, or nil for a solid line.
    public var dashPattern: String?

    /// A style with the given colour and dash pattern.
    public init(color: String, dashPattern: String?) {
        self.color = color
        self.dashPattern = dashPattern
    }

    /// Okabe & Ito (2008), "Color Universal Design", ordered for contrast on white; the palette's
    /// yellow is left out because it is too light for thin lines.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

    /// Dash patterns in the order they are handed out; the first is solid.
    public static let dashPatterns: [String?] = [nil, "7 3", "2 2.5", "9 3 2 3", "4 4", "12 3 2 3 2 3"]

    /// The style for colour number `colorIndex` and dash number `dashIndex` (each wraps around).
    public static func indexed(color colorIndex: Int, dash dashIndex: Int) -> SeriesStyle {
        SeriesStyle(
            color: palette[colorIndex % palette.count],
            dashPattern: dashPatterns[dashIndex % dashPatterns.count])
    }
}
