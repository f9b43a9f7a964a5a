// libFuzzer target: the metrics JSON Lines reader (Scripts/fuzz.sh metrics SECONDS).
// Compiled together with Sources/DNIReports/*.swift.
//
// The input is read as UTF-8 text (invalid bytes become U+FFFD, as when a file is read). Any
// MetricsFormatError is a correct answer. (Rendering the accepted runs as a report as well cut
// the runs per second from 2,800 to 1,700; the reader is the target.)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let runs = try MetricsReader.read(text: text, source: "fuzz.jsonl")
        precondition(!runs.isEmpty, "an accepted file has at least one run")
    } catch {
        precondition(!error.description.contains("\n"), "an error must be one line")
    }
    return 0
}
