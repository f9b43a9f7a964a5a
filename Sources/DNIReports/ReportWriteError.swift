/// Failure to write a report file. The message names the path and the reason.
public struct ReportWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path that could not be written.
    public var path: String
    /// Why, in a few words.
    public var reason: String

    /// An error writing `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `cannot write path: reason`.
    public var description: String {
        "cannot write \(path): \(reason)"
    }
}
