/// The library version, printed by `dni --version` and `dni info`.
public enum DNIVersion {
    /// Semantic version of this package.
    public static let string = "0.1.0"
}

/// Bad input from the user: a flag value, a file or a format. The CLI exits with status 2.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One line naming what was wrong.
    public var description: String

    /// An error whose message is `description`.
    public init(_ description: String) {
        self.description = description
    }
}

/// Training could not go on (for example the loss diverged). The CLI exits with status 1.
public struct TrainingFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// One line saying what failed, where (step, stage) and why.
    public var description: String

    /// A failure whose message is `description`.
    public init(_ description: String) {
        self.description = description
    }
}
