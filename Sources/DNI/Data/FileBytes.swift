#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading whole files and asking about paths with POSIX calls, so that data loading needs
/// no Foundation and reports the operating system's reason for a failure.
enum FileBytes {
    /// The whole contents of the file at `path`.
    ///
    /// - Throws: ``InputError`` `"PATH: cannot read (REASON)"`.
    static func contents(atPath path: String) throws(InputError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw InputError("\(path): cannot open (\(systemError()))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw InputError("\(path): cannot read (\(systemError()))") }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw InputError("\(path): is a directory, expected a file") }

        // Read into a buffer sized from the file's length, growing if the file grew meanwhile.
        var bytes = [UInt8](repeating: 0, count: max(Int(status.st_size), 0) + 1)
        var count = 0
        while true {
            if count == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 65536)))
            }
            let readCount = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if readCount == 0 { break }
            if readCount < 0 {
                if errno == EINTR { continue }
                throw InputError("\(path): cannot read (\(systemError()))")
            }
            count += readCount
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// What kind of thing, if any, is at `path`.
    static func kind(atPath path: String) -> PathKind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .missing }
        return (status.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
    }

    /// The answer of ``kind(atPath:)``.
    enum PathKind: Equatable {
        /// Nothing there (or not reachable).
        case missing
        /// A directory.
        case directory
        /// Anything else that exists (a regular file, a link to one, a device…).
        case file
    }

    /// The description of the current `errno`.
    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
