/// Where each legend entry goes: a short line sample in the series' style, then its label.
struct LegendLayout {
    /// One entry: its (possibly shortened) label, its style, and where it goes.
    struct Entry {
        var label: String
        var style: SeriesStyle
        var showsMarker: Bool
        var x: Double
        var row: Int
    }

    /// The entries, in series order.
    var entries: [Entry]
    /// How many rows they fill.
    var rows: Int

    /// The entries of the non-empty `series` placed in rows between `left` and `right`: a row
    /// wraps before an entry that would pass `right`; labels longer than the limit are shortened.
    init(series: [LineChart.Series], left: Double, right: Double) {
        let layout = LineChart.Layout.self
        var entries: [Entry] = []
        var x = left
        var row = 0
        for line in series where !line.points.isEmpty {
            let label = line.label.count > layout.legendLabelLimit
                ? String(line.label.prefix(layout.legendLabelLimit - 1)) + "…" : line.label
            let entryWidth = layout.legendSampleWidth + 6 + layout.textWidth(label, fontSize: layout.legendFontSize)
            if x > left, x + entryWidth > right {
                row += 1
                x = left
            }
            entries.append(Entry(
                label: label, style: line.style, showsMarker: line.points.count <= layout.markerLimit, x: x, row: row))
            x += entryWidth + layout.legendGap
        }
        self.entries = entries
        self.rows = entries.isEmpty ? 0 : row + 1
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
