/// A line chart: several series of (x, y) points over shared axes, rendered to SVG by
/// `svg(identifier:)`.
public struct LineChart: Sendable, Equatable {
    /// One point of a series, with the text shown when hovering over it.
    public struct Point: Sendable, Equatable {
        /// The horizontal value.
        public var x: Double
        /// The vertical value.
        public var y: Double
        /// The hover text (an SVG `<title>`).
        public var tooltip: String

        /// A point at (`x`, `y`).
        public init(x: Double, y: Double, tooltip: String) {
            self.x = x
            self.y = y
            self.tooltip = tooltip
        }
    }

    /// The range of several runs at one x (one method over several seeds), drawn as a shaded
    /// band behind the series' line.
    public struct BandPoint: Sendable, Equatable {
        /// The horizontal value.
        public var x: Double
        /// The lowest value at `x`.
        public var lower: Double
        /// The highest value at `x`.
        public var upper: Double

        /// A band from `lower` to `upper` at `x`.
        public init(x: Double, lower: Double, upper: Double) {
            self.x = x
            self.lower = lower
            self.upper = upper
        }
    }

    /// One line of the chart, with its legend label and style, and optionally a band.
    public struct Series: Sendable, Equatable {
        /// The legend text.
        public var label: String
        /// The points, joined in this order.
        public var points: [Point]
        /// The colour and dash pattern.
        public var style: SeriesStyle
        /// The spread around the line (min–max over seeds), in x order; empty for a single run.
        public var band: [BandPoint]

        /// A series named `label`.
        public init(label: String, points: [Point], style: SeriesStyle, band: [BandPoint] = []) {
            self.label = label
            self.points = points
            self.style = style
            self.band = band
        }
    }

    /// What the chart shows, for screen readers (the visible caption lives in the page).
    public var title: String
    /// The horizontal axis title, with its unit: `Epoch`.
    public var xAxisTitle: String
    /// The vertical axis title, with its unit: `Test error (%)`.
    public var yAxisTitle: String
    /// The lines.
    public var series: [Series]
    /// Linear, logarithmic, or chosen from the data.
    public var yScale: AxisScaleChoice
    /// True when x values are counts (epochs, steps), so ticks fall on whole numbers.
    public var integerX: Bool
    /// Values of y at which a thin reference line is drawn when on the axis (0 for cosines).
    public var referenceLines: [Double]
    /// The width of the whole figure in SVG units (pixels at 100 %).
    public var width: Double
    /// The height of the plotting area (the figure adds the legend and axes around it).
    public var plotHeight: Double
    /// The plot starts at least this far from the left edge, so that charts shown together can
    /// line up their axes (see `requiredPlotLeft`); 0 lets the tick labels decide.
    public var minimumPlotLeft: Double

    /// A chart with the given axes and lines.
    public init(
        title: String,
        xAxisTitle: String,
        yAxisTitle: String,
        series: [Series],
        yScale: AxisScaleChoice = .automatic,
        integerX: Bool = true,
        referenceLines: [Double] = [],
        width: Double = 600,
        plotHeight: Double = 300,
        minimumPlotLeft: Double = 0
    ) {
        self.title = title
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
        self.series = series
        self.yScale = yScale
        self.integerX = integerX
        self.referenceLines = referenceLines
        self.width = width
        self.plotHeight = plotHeight
        self.minimumPlotLeft = minimumPlotLeft
    }

    /// True when no series has a point to draw.
    public var isEmpty: Bool {
        series.allSatisfy { $0.points.isEmpty }
    }

    /// Whether the y axis will be logarithmic for this data.
    public var usesLogarithmicScale: Bool {
        yScale.usesLogarithmicScale(for: series.flatMap { $0.points.map(\.y) + $0.band.flatMap { [$0.lower, $0.upper] } })
    }
}
