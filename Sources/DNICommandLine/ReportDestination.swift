import DNI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks, before any training, that a report can be written where `--report PATH` says, so a
/// typo in the path costs a second, not the whole run.
enum ReportDestination {
    /// Throws an ``InputError`` naming `path` unless its directory exists and a file can be
    /// created in it (tried with a temporary file, removed at once), and `path` is not a directory.
    static func checkWritable(_ path: String, flag: String = "--report") throws(InputError) {
        guard !path.isEmpty else { throw InputError("\(flag): the path is empty") }
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw InputError("\(flag) \(path): is a directory, expected a file name")
        }
        let directory = directoryPart(of: path)
        guard stat(directory, &status) == 0 else {
            throw InputError("\(flag) \(path): no such directory \(directory)")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw InputError("\(flag) \(path): \(directory) is not a directory")
        }
        let probe = directory + "/.dni-report-check-\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw InputError("\(flag) \(path): cannot create a file in \(directory) (\(String(cString: strerror(errno))))")
        }
        close(descriptor)
        unlink(probe)
    }

    /// The directory part of `path`: `"."` for a bare name, `"/"` for a file in the root.
    static func directoryPart(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }
}
