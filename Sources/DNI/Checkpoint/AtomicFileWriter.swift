#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that, whatever happens (a kill, a full disk, a power cut), the path holds
/// either the old contents or the new ones, never a part: the bytes go to a temporary file in
/// the same directory, which is flushed to the disk (`fsync`), renamed over the destination
/// (`rename(2)` is atomic within a file system), and then the directory itself is flushed so
/// that the rename survives a crash.
public enum AtomicFileWriter {
    /// Writes `bytes` to `path`, replacing any file there.
    /// - Throws: ``InputError`` `"PATH: cannot write (REASON)"`; the temporary file is removed.
    public static func write(_ bytes: [UInt8], to path: String) throws(InputError) {
        guard !path.isEmpty else { throw InputError("cannot write a file with an empty path") }
        let directory = PathComponents.directory(of: path)
        let temporary = directory + "/." + PathComponents.lastComponent(of: path) + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure(path, "cannot create \(temporary)") }
        var written = 0
        var problem: String?
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    problem = "write"
                    return
                }
                written += count
            }
        }
        if problem == nil, fsync(descriptor) != 0 { problem = "fsync" }
        let reason = problem.map { "\($0) failed (\(String(cString: strerror(errno))))" }
        close(descriptor)
        if let reason {
            unlink(temporary)
            throw InputError("\(path): cannot write (\(reason))")
        }
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "cannot rename \(temporary) to it")
            unlink(temporary)
            throw error
        }
        let directoryDescriptor = open(directory, O_RDONLY)
        if directoryDescriptor >= 0 {
            // Best effort: some file systems refuse fsync on a directory; the data is written.
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func failure(_ path: String, _ what: String) -> InputError {
        InputError("\(path): \(what) (\(String(cString: strerror(errno))))")
    }
}

/// Splitting a path into its directory and last component without Foundation.
enum PathComponents {
    /// `"."` for a bare name, `"/"` for a file in the root, else everything before the last `/`.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Everything after the last `/`.
    static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// The POSIX `write` system call (the name `write` is taken by ``AtomicFileWriter/write(_:to:)``).
private func systemWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, pointer, count)
}
