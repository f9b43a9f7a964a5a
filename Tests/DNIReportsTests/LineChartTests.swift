import Testing
@testable import DNIReports

/// The SVG renderer on awkward data: every case must give finite coordinates and a whole element.
@Suite struct LineChartTests {
    static func chart(_ values: [[(Double, Double)]], scale: AxisScaleChoice = .automatic) -> LineChart {
        let series = values.enumerated().map { index, points in
            LineChart.Series(
                label: "series \(index)",
                points: points.map { LineChart.Point(x: $0.0, y: $0.1, tooltip: "\($0)") },
                style: .indexed(color: index, dash: index))
        }
        return LineChart(title: "t", xAxisTitle: "x", yAxisTitle: "y", series: series, yScale: scale)
    }

    static let awkwardData: [[[(Double, Double)]]] = [
        [[(1, 0.5)]],                                   // one point
        [[(1, 2), (2, 2), (3, 2)]],                     // a flat line
        [[(0, 0), (1, 0)]],                             // all zero
        [[(1, -3), (2, -1e-3)]],                        // negative
        [[(1, 1e-9), (2, 1e9)]],                        // eighteen decades
        [[(1, 0), (2, 0.5), (3, 50)]],                  // zero with a wide range
        [[], [(5, 1)]],                                 // an empty series
        [[(1, .nan), (2, 1), (3, .infinity)]],          // non-finite values are skipped
        [[(0, 1), (1_000_000, 2)]],                     // huge x
    ]

    @Test(arguments: awkwardData)
    func awkwardDataRendersFinitely(values: [[(Double, Double)]]) {
        for scale in AxisScaleChoice.allCases {
            let svg = Self.chart(values, scale: scale).svg(identifier: "c")
            #expect(!svg.lowercased().contains("nan"))
            #expect(!svg.contains("inf"))
            #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
            #expect(svg.components(separatedBy: "<g").count == svg.components(separatedBy: "</g>").count)
        }
    }

    @Test func forcedLogWithZerosFallsBackToLinear() {
        let chart = Self.chart([[(1, 0), (2, 10)]], scale: .logarithmic)
        #expect(!chart.usesLogarithmicScale)
        #expect(!chart.svg(identifier: "c").contains("log scale"))
    }

    @Test func manyPointsAreHoverTargetsWithoutVisibleMarkers() {
        let points = (0..<100).map { (Double($0), Double($0) / 100) }
        let svg = Self.chart([points]).svg(identifier: "c")
        #expect(svg.contains("fill=\"transparent\""))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 100)
    }

    @Test func xLabelsDoNotOverlap() {
        for maximum in [3.0, 10, 37, 600, 6_000, 123_456, 9_999_999] {
            let chart = Self.chart([[(0, 1), (maximum, 2)]])
            let axis = chart.horizontalAxis(values: [0, maximum], plotWidth: 480)
            let widest = axis.ticks.map { LineChart.Layout.textWidth($0.label, fontSize: 12) }.max() ?? 0
            let positions = axis.ticks.map { axis.fraction(of: $0.value) * 480 }
            for (left, right) in zip(positions, positions.dropFirst()) {
                #expect(right - left > widest, "\(maximum): \(axis.ticks.map(\.label))")
            }
        }
    }

    @Test func legendWrapsInsteadOfOverflowing() {
        let values = (0..<8).map { _ in [(1.0, 1.0), (2.0, 2.0)] }
        var chart = Self.chart(values)
        chart.series = chart.series.enumerated().map { index, series in
            var renamed = series
            renamed.label = "a rather long method name \(index)"
            return renamed
        }
        let legend = LegendLayout(series: chart.series, left: 60, right: 578)
        #expect(legend.rows > 1)
        for entry in legend.entries {
            let width = LineChart.Layout.legendSampleWidth + 6
                + LineChart.Layout.textWidth(entry.label, fontSize: LineChart.Layout.legendFontSize)
            #expect(entry.x + width <= 578 || entry.x == 60)
        }
    }
}
