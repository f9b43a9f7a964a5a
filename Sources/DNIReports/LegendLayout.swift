/// Where each legend entry goes: a short line sample in the series' style, then its label.
struct LegendLayout {
    /// One entry: its (possibly shortened) label, its style, and where it goes.
    struct Entry {
        var label: String
        var style: SeriesStyle
        var showsMarker: Bool
        /// True when the series has a band (a spread over seeds): the sample gets a shaded box.
        var showsBand: Bool
        var x: Double
        var row: Int
    }

    /// The entries, in series order.
    var entries: [Entry]
    /// How many rows they fill.
    var rows: Int

    /// The entries of the non-empty `series` placed in rows between `left` and `right`: a row
    /// wraps before an entry that would pass `right`. A label is shortened (in its middle, so
    /// that both the run's name and its stage stay readable) only when its entry alone would not
    /// fit in a row.
    init(series: [LineChart.Series], left: Double, right: Double) {
        let layout = LineChart.Layout.self
        var entries: [Entry] = []
        var x = left
        var row = 0
        let labelRoom = right - left - layout.legendSampleWidth - 6
        for line in series where !line.points.isEmpty {
            let label = Self.shortened(line.label, toFit: labelRoom)
            let entryWidth = layout.legendSampleWidth + 6 + layout.textWidth(label, fontSize: layout.legendFontSize)
            if x > left, x + entryWidth > right {
                row += 1
                x = left
            }
            entries.append(Entry(
                label: label, style: line.style, showsMarker: line.points.count <= layout.markerLimit,
                showsBand: !line.band.isEmpty, x: x, row: row))
            x += entryWidth + layout.legendGap
        }
        self.entries = entries
        self.rows = entries.isEmpty ? 0 : row + 1
    }

    /// `label`, or its beginning and end around a "…" when wider than `width`.
    static func shortened(_ label: String, toFit width: Double) -> String {
        let layout = LineChart.Layout.self
        guard layout.textWidth(label, fontSize: layout.legendFontSize) > width else { return label }
        let characters = max(2, Int(width / (layout.legendFontSize * layout.characterWidth)) - 1)
        let tail = characters / 2, head = characters - tail
        return String(label.prefix(head)) + "…" + String(label.suffix(tail))
    }

    /// The legend's height.
    var height: Double {
        Double(rows) * LineChart.Layout.legendRowHeight
    }

    /// The legend as an SVG group whose first row is centred `top + rowHeight / 2`.
    func svg(top: Double) -> String {
        guard !entries.isEmpty else { return "" }
        let format = ReportNumberFormat.coordinate
        let layout = LineChart.Layout.self
        var svg = "<g font-size=\"\(format(layout.legendFontSize))\" fill=\"#111111\">\n"
        for entry in entries {
            let y = top + (Double(entry.row) + 0.5) * layout.legendRowHeight
            let dash = entry.style.dashPattern.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            if entry.showsBand {
                svg += "<rect x=\"\(format(entry.x))\" y=\"\(format(y - 6))\" width=\"\(format(layout.legendSampleWidth))\""
                svg += " height=\"12\" fill=\"\(entry.style.color)\" fill-opacity=\"0.16\"/>\n"
            }
            svg += "<line x1=\"\(format(entry.x))\" y1=\"\(format(y))\" x2=\"\(format(entry.x + layout.legendSampleWidth))\""
            svg += " y2=\"\(format(y))\" stroke=\"\(entry.style.color)\" stroke-width=\"1.8\"\(dash)/>\n"
            if entry.showsMarker {
                svg += "<circle cx=\"\(format(entry.x + layout.legendSampleWidth / 2))\" cy=\"\(format(y))\""
                svg += " r=\"\(format(layout.markerRadius))\" fill=\"\(entry.style.color)\"/>\n"
            }
            svg += "<text x=\"\(format(entry.x + layout.legendSampleWidth + 6))\" y=\"\(format(y))\""
            svg += " dy=\"0.35em\">\(Markup.escaped(entry.label))</text>\n"
        }
        svg += "</g>\n"
        return svg
    }
}
