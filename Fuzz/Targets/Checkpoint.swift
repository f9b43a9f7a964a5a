// libFuzzer target: the checkpoint reader (Scripts/fuzz.sh checkpoint SECONDS).
// Compiled together with Sources/DNI/Checkpoint/*.swift and the files they use.
//
// Any InputError is a correct answer; an accepted file must serialize back to the same bytes.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let file = try CheckpointFile(parsing: bytes)
        precondition(file.serialized() == bytes, "an accepted checkpoint does not round-trip")
        for section in file.sections where section.elementType == .float32 {
            let count = try section.floats().count
            precondition(count == section.shape.reduce(1, *), "float count differs from the shape")
        }
    } catch {
        precondition(!error.description.isEmpty && !error.description.contains("\n"), "an error must be one line")
    }
    return 0
}
