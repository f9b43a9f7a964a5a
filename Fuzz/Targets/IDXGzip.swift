// libFuzzer target: the IDX reader and the gzip decompressor (Scripts/fuzz.sh idx SECONDS).
// Compiled together with Sources/DNI/Data/{IDXFile,Gzip,FileBytes}.swift and Errors.swift.
//
// The first byte chooses the path: even, the rest is parsed as raw IDX; odd, it is
// decompressed as gzip (at most 16 MiB out) and the result parsed as IDX. Any InputError is a
// correct answer; a trap, a sanitizer report or a wrong invariant is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDXGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        let idxBytes = data[0] & 1 == 0 ? bytes : try Gzip.decompress(bytes, maximumSize: 1 << 24)
        let file = try IDXFile(parsing: idxBytes)
        // Invariants of an accepted file: the elements match the dimensions, and it serializes
        // back to exactly the bytes it came from.
        precondition(file.elements.count == file.dimensions.reduce(1, *), "element count differs from the dimensions")
        precondition(file.serialized() == idxBytes, "an accepted IDX file does not round-trip")
    } catch {
        precondition(!error.description.isEmpty && !error.description.contains("\n"), "an error must be one line")
    }
    return 0
}
