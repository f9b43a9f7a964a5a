/// Rendering a `LineChart` as a standalone SVG element: axes with outward ticks at nice values,
/// light horizontal grid lines, axis titles, a legend above the plot (so it never covers a line),
/// and a hover `<title>` on every point.
extension LineChart {
    /// Sizes in SVG units. Text widths are estimated from the character count, generously, so
    /// labels keep clear of each other in any sans-serif font.
    enum Layout {
        static let tickFontSize = 12.0
        static let titleFontSize = 13.0
        static let legendFontSize = 12.0
        static let characterWidth = 0.6
        static let tickLength = 5.0
        static let outerMargin = 10.0
        static let rightMargin = 22.0
        static let legendRowHeight = 20.0
        static let legendSampleWidth = 30.0
        static let legendGap = 22.0
        static let markerLimit = 30
        static let markerRadius = 3.0
        static let hoverRadius = 5.0

        /// The estimated width of `text` at `fontSize`.
        static func textWidth(_ text: String, fontSize: Double) -> Double {
            Double(text.count) * fontSize * characterWidth
        }
    }

    /// The chart as an `<svg>` element. `identifier` must be unique within the page (it names the
    /// clip path).
    public func svg(identifier: String) -> String {
        let logarithmic = usesLogarithmicScale
        let visibleSeries = visibleSeries(logarithmic: logarithmic)
        let xValues = visibleSeries.flatMap { $0.points.map(\.x) }
        let yAxis = verticalAxis(of: visibleSeries, logarithmic: logarithmic)
        let plotLeft = max(Self.plotLeft(forLabelsOf: yAxis), minimumPlotLeft)
        let plotRight = width - Layout.rightMargin
        let plotWidth = plotRight - plotLeft
        let xAxis = horizontalAxis(values: xValues, plotWidth: plotWidth)

        let legend = LegendLayout(series: visibleSeries, left: plotLeft, right: plotRight)
        let plotTop = Layout.outerMargin + legend.height + (legend.height > 0 ? 8 : 4)
        let plotBottom = plotTop + plotHeight
        let height = plotBottom + Layout.tickLength + 4 + Layout.tickFontSize + 10 + Layout.titleFontSize + Layout.outerMargin

        func xPosition(_ value: Double) -> Double { plotLeft + xAxis.fraction(of: value) * plotWidth }
        func yPosition(_ value: Double) -> Double { plotBottom - yAxis.fraction(of: value) * plotHeight }
        let format = ReportNumberFormat.coordinate

        var svg = ""
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(format(width)) \(format(height))\""
        svg += " width=\"\(format(width))\" height=\"\(format(height))\" role=\"img\""
        svg += " aria-labelledby=\"\(identifier)-title\" font-family=\"Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif\">\n"
        svg += "<title id=\"\(identifier)-title\">\(Markup.escaped(title))</title>\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(format(width))\" height=\"\(format(height))\" fill=\"#ffffff\"/>\n"
        svg += "<defs><clipPath id=\"\(identifier)-plot\"><rect x=\"\(format(plotLeft - 4))\" y=\"\(format(plotTop - 4))\""
        svg += " width=\"\(format(plotWidth + 8))\" height=\"\(format(plotHeight + 8))\"/></clipPath></defs>\n"

        // Grid lines at the labelled y ticks, then reference lines.
        let yLabels = Self.legibleLabels(of: yAxis.ticks, position: yPosition)
        svg += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n"
        for tick in yAxis.ticks where tick.isMajor || yLabels.contains(tick) {
            let y = format(yPosition(tick.value))
            svg += "<line x1=\"\(format(plotLeft))\" y1=\"\(y)\" x2=\"\(format(plotRight))\" y2=\"\(y)\"/>\n"
        }
        svg += "</g>\n"
        for value in referenceLines where yAxis.canShow(value) && value > yAxis.lower && value < yAxis.upper {
            let y = format(yPosition(value))
            svg += "<line x1=\"\(format(plotLeft))\" y1=\"\(y)\" x2=\"\(format(plotRight))\" y2=\"\(y)\""
            svg += " stroke=\"#888888\" stroke-width=\"1\" stroke-dasharray=\"3 3\"/>\n"
        }

        // Axes: left and bottom lines with outward ticks and labels.
        svg += "<g stroke=\"#222222\" stroke-width=\"1\" fill=\"none\">\n"
        svg += "<path d=\"M\(format(plotLeft)),\(format(plotTop))V\(format(plotBottom))H\(format(plotRight))\"/>\n"
        for tick in yAxis.ticks {
            let y = format(yPosition(tick.value))
            let length = tick.isMajor ? Layout.tickLength : Layout.tickLength * 0.6
            svg += "<line x1=\"\(format(plotLeft - length))\" y1=\"\(y)\" x2=\"\(format(plotLeft))\" y2=\"\(y)\"/>\n"
        }
        for tick in xAxis.ticks {
            let x = format(xPosition(tick.value))
            svg += "<line x1=\"\(x)\" y1=\"\(format(plotBottom))\" x2=\"\(x)\" y2=\"\(format(plotBottom + Layout.tickLength))\"/>\n"
        }
        svg += "</g>\n"
        svg += "<g fill=\"#222222\" font-size=\"\(format(Layout.tickFontSize))\">\n"
        for tick in yLabels {
            svg += "<text x=\"\(format(plotLeft - Layout.tickLength - 4))\" y=\"\(format(yPosition(tick.value)))\""
            svg += " dy=\"0.35em\" text-anchor=\"end\">\(Markup.escaped(tick.label))</text>\n"
        }
        let xLabelBaseline = plotBottom + Layout.tickLength + 4 + Layout.tickFontSize
        for tick in xAxis.ticks where !tick.label.isEmpty {
            svg += "<text x=\"\(format(xPosition(tick.value)))\" y=\"\(format(xLabelBaseline))\""
            svg += " text-anchor=\"middle\">\(Markup.escaped(tick.label))</text>\n"
        }
        svg += "</g>\n"

        // Axis titles.
        svg += "<g fill=\"#111111\" font-size=\"\(format(Layout.titleFontSize))\">\n"
        let xTitleBaseline = xLabelBaseline + 10 + Layout.titleFontSize
        svg += "<text x=\"\(format(plotLeft + plotWidth / 2))\" y=\"\(format(xTitleBaseline))\""
        svg += " text-anchor=\"middle\">\(Markup.escaped(xAxisTitle))</text>\n"
        let yTitleX = Layout.outerMargin + Layout.titleFontSize * 0.8
        let yTitleY = plotTop + plotHeight / 2
        svg += "<text transform=\"translate(\(format(yTitleX)),\(format(yTitleY))) rotate(-90)\""
        svg += " text-anchor=\"middle\">\(Markup.escaped(yAxisTitle))\(logarithmic ? " (log scale)" : "")</text>\n"
        svg += "</g>\n"

        // The lines, clipped to the plot, each with hoverable points.
        svg += "<g clip-path=\"url(#\(identifier)-plot)\" fill=\"none\" stroke-width=\"1.8\""
        svg += " stroke-linejoin=\"round\" stroke-linecap=\"round\">\n"
        for line in visibleSeries where line.band.count >= 2 {
            // The band first, so every line stays on top of every band.
            let upper = line.band.map { "\(format(xPosition($0.x))),\(format(yPosition($0.upper)))" }
            let lower = line.band.reversed().map { "\(format(xPosition($0.x))),\(format(yPosition($0.lower)))" }
            svg += "<path class=\"band\" d=\"M\((upper + lower).joined(separator: "L"))Z\" fill=\"\(line.style.color)\""
            svg += " fill-opacity=\"0.16\" stroke=\"none\"/>\n"
        }
        for line in visibleSeries where !line.points.isEmpty {
            let dash = line.style.dashPattern.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            var path = ""
            for (index, point) in line.points.enumerated() {
                path += "\(index == 0 ? "M" : "L")\(format(xPosition(point.x))),\(format(yPosition(point.y)))"
            }
            svg += "<path d=\"\(path)\" stroke=\"\(line.style.color)\"\(dash)><title>\(Markup.escaped(line.label))</title></path>\n"
            let showMarkers = line.points.count <= Layout.markerLimit
            let radius = showMarkers ? Layout.markerRadius : Layout.hoverRadius
            let fill = showMarkers ? line.style.color : "transparent"
            svg += "<g fill=\"\(fill)\" stroke=\"none\">\n"
            for point in line.points {
                svg += "<circle cx=\"\(format(xPosition(point.x)))\" cy=\"\(format(yPosition(point.y)))\""
                svg += " r=\"\(format(radius))\"><title>\(Markup.escaped(point.tooltip))</title></circle>\n"
            }
            svg += "</g>\n"
        }
        svg += "</g>\n"

        svg += legend.svg(top: Layout.outerMargin)
        svg += "</svg>"
        return svg
    }

    /// The series without the points the axes cannot show (non-finite, or not positive on a log axis).
    func visibleSeries(logarithmic: Bool) -> [Series] {
        series.map { line in
            Series(label: line.label, points: line.points.filter { point in
                point.x.isFinite && point.y.isFinite && (!logarithmic || point.y > 0)
            }, style: line.style, band: line.band.filter { band in
                band.x.isFinite && band.lower.isFinite && band.upper.isFinite && (!logarithmic || band.lower > 0)
            })
        }
    }

    /// The y axis for `series`: logarithmic, or linear with a tick about every 55 units.
    func verticalAxis(of series: [Series], logarithmic: Bool) -> AxisScale {
        let values = series.flatMap { $0.points.map(\.y) + $0.band.flatMap { [$0.lower, $0.upper] } }
        return logarithmic
            ? AxisScale.logarithmic(values: values)
            : AxisScale.linear(values: values, targetCount: max(3, Int(plotHeight / 55)))
    }

    /// Where the plot must start so the y title, tick labels and ticks fit to its left.
    static func plotLeft(forLabelsOf axis: AxisScale) -> Double {
        let labelWidth = axis.ticks.map { Layout.textWidth($0.label, fontSize: Layout.tickFontSize) }.max() ?? 0
        return (Layout.outerMargin + Layout.titleFontSize + 10 + labelWidth + Layout.tickLength + 5).rounded()
    }

    /// The left edge this chart's plot needs; charts shown together can share the largest.
    public var requiredPlotLeft: Double {
        let logarithmic = usesLogarithmicScale
        return Self.plotLeft(forLabelsOf: verticalAxis(of: visibleSeries(logarithmic: logarithmic), logarithmic: logarithmic))
    }

    /// The labelled ticks whose labels keep clear of one another on a vertical axis: labels of
    /// major ticks are placed first, then the others where they fit.
    static func legibleLabels(of ticks: [AxisScale.Tick], position: (Double) -> Double) -> [AxisScale.Tick] {
        let minimumGap = Layout.tickFontSize * 1.4
        var placed: [Double] = []
        var kept: [AxisScale.Tick] = []
        for major in [true, false] {
            for tick in ticks where tick.isMajor == major && !tick.label.isEmpty {
                let y = position(tick.value)
                if placed.allSatisfy({ abs($0 - y) >= minimumGap }) {
                    placed.append(y)
                    kept.append(tick)
                }
            }
        }
        return kept
    }

    /// The x axis: nice ticks with as many labels as fit side by side without touching.
    func horizontalAxis(values: [Double], plotWidth: Double) -> AxisScale {
        var targetCount = max(2, min(11, Int(plotWidth / 60)))
        while true {
            let axis = AxisScale.linear(values: values, targetCount: targetCount, integerStep: integerX, tight: true)
            let widest = axis.ticks.map { Layout.textWidth($0.label, fontSize: Layout.tickFontSize) }.max() ?? 0
            let spacing = axis.ticks.count < 2
                ? plotWidth : (axis.fraction(of: axis.ticks[1].value) - axis.fraction(of: axis.ticks[0].value)) * plotWidth
            if widest + 12 <= spacing || targetCount <= 2 {
                return axis
            }
            targetCount -= 1
        }
    }
}
