/// A metrics file that cannot be read or understood. The message names the file, the line
/// (counting from 1) when there is one, and the problem: `run.jsonl:7: epoch record has no "train_loss"`.
public struct MetricsFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file (or the name given to an in-memory source).
    public var source: String
    /// The line number, counting from 1, or nil when the problem concerns the whole file.
    public var line: Int?
    /// What was wrong, in a few words.
    public var problem: String

    /// An error about `line` of `source`.
    public init(source: String, line: Int?, problem: String) {
        self.source = source
        self.line = line
        self.problem = problem
    }

    /// `source:line: problem`, or `source: problem` without a line.
    public var description: String {
        if let line {
            return "\(source):\(line): \(problem)"
        }
        return "\(source): \(problem)"
    }
}
