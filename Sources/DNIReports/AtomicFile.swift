import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a file so that readers see either the old contents or the new, never a part: the
/// bytes go to a temporary file in the same directory (so the same file system), which is then
/// renamed over the destination — `rename(2)` is atomic.
enum AtomicFile {
    /// Writes `text` as UTF-8 to `path`, replacing any file there.
    static func write(_ text: String, to path: String) throws(ReportWriteError) {
        let destination = URL(fileURLWithPath: path)
        let directory = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw ReportWriteError(path: path, reason: "no such directory \(directory.path)")
        }
        let temporaryName = ".\(destination.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).tmp"
        let temporary = directory.appendingPathComponent(temporaryName)
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8)) else {
            throw ReportWriteError(path: path, reason: "cannot create a file in \(directory.path)")
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportWriteError(path: path, reason: reason)
        }
    }
}
