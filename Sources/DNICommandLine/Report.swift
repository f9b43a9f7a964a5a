import ArgumentParser
import DNI
import DNIReports

extension DNICommand {
    /// `dni report FILE.jsonl … --out report.html [--title T]`: metrics (JSON Lines from
    /// `dni train --json` or `dni compare --json`) to one self-contained HTML page with SVG charts.
    struct Report: OutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn JSON-lines metrics into a self-contained HTML report with charts.",
            discussion: """
            Reads the lines written by `dni train --json` or `dni compare --json`, groups them by \
            method (and by seed when the lines carry one; runs of one method over several seeds are \
            drawn as a band from the lowest to the highest value around their mean), writes one HTML file (inline CSS and SVG, nothing fetched) with a summary \
            table and charts of training loss, test error and synthetic-gradient quality, and prints \
            `report: PATH`.
            """)

        @Argument(help: "JSON-lines metrics files, one or more.")
        var files: [String]

        @Option(name: .shortAndLong, help: "The HTML file to write (replaced atomically).")
        var out: String

        @Option(help: "The report's title.")
        var title: String = HTMLReport.defaultTitle

        @Option(help: "Y scale of the loss and error charts: automatic (log beyond 1.5 decades), linear or log.")
        var yScale: AxisScaleChoice = .automatic

        func run() throws {
            try run(output: .process)
        }

        func run(output: CommandOutput) throws {
            let runs: [RunRecord]
            do {
                runs = try MetricsReader.read(files: files)
            } catch {
                throw InputError(error.description)
            }
            do {
                try HTMLReport(runs: runs, title: title, lossScale: yScale).writeAtomically(to: out)
            } catch {
                throw InputError(error.description)
            }
            announceReport(out, output: output, json: false)
        }
    }
}

/// `--y-scale automatic|linear|logarithmic`, also spelled `auto` and `log`.
extension AxisScaleChoice: ExpressibleByArgument {
    /// The choice named `argument`, accepting the short spellings `auto` and `log`.
    public init?(argument: String) {
        switch argument {
        case "auto": self = .automatic
        case "log": self = .logarithmic
        default: self.init(rawValue: argument)
        }
    }
}
