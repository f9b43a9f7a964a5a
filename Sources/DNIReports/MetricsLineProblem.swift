/// What is wrong with one metrics line (the reader adds the file and line number).
struct MetricsLineProblem: Error, Equatable {
    /// The problem, in a few words.
    var description: String

    /// A problem described by `description`.
    init(_ description: String) {
        self.description = description
    }
}
