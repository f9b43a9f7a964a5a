/// The version of the report format this module writes (stamped into each HTML report).
public enum ReportFormat {
    /// Bumped when the structure of the generated HTML changes.
    public static let version = 1
}
