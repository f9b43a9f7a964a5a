import Linalg

/// Where MNIST is read from, in order of precedence: a directory given on the command line
/// (`--data DIR`), the directory in the environment variable `DNI_DATA`, the bundled subset.
public enum MNISTSource: Sendable, Equatable, CustomStringConvertible {
    /// Who named a data directory.
    public enum Origin: Sendable, Equatable {
        /// The `--data` option.
        case option
        /// The `DNI_DATA` environment variable.
        case environment
    }

    /// The environment variable that names a data directory when `--data` is absent.
    public static let environmentVariable = "DNI_DATA"

    /// The four IDX files in a directory, named by the option or the environment.
    case directory(String, origin: Origin)
    /// The small subset shipped with the package (``MNISTDataset/bundledSubset()``).
    case bundledSubset

    /// Chooses the source: `dataFlag` if given, else `$DNI_DATA` if set and non-empty, else the
    /// bundled subset.
    /// - Parameter environment: looks up an environment variable (injectable for tests).
    public static func resolve(
        dataFlag: String?, environment: (String) -> String? = environmentValue
    ) -> MNISTSource {
        if let dataFlag { return .directory(dataFlag, origin: .option) }
        if let path = environment(environmentVariable), !path.isEmpty { return .directory(path, origin: .environment) }
        return .bundledSubset
    }

    /// A short phrase for logs: `"--data /x"`, `"DNI_DATA=/x"` or `"bundled subset"`.
    public var description: String {
        switch self {
        case .directory(let path, .option): return "--data \(path)"
        case .directory(let path, .environment): return "\(Self.environmentVariable)=\(path)"
        case .bundledSubset: return "bundled subset"
        }
    }
}
