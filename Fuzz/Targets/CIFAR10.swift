// libFuzzer target: the CIFAR-10 binary batch reader (Scripts/fuzz.sh cifar SECONDS).
// Compiled together with Sources/DNI/Data/CIFAR10Split.swift, Linalg's Matrix.swift and the
// few files they use.
//
// Any InputError is a correct answer; a trap, a sanitizer report or a wrong invariant is a
// finding. An accepted file has whole records, labels in 0...9, and pixels in [0, 1).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR10(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let split = try CIFAR10Split(parsing: bytes)
        precondition(split.count * CIFAR10Split.recordSize == bytes.count, "records do not cover the file")
        precondition(split.labels.allSatisfy { (0..<CIFAR10Split.classCount).contains($0) }, "a label outside 0...9")
        precondition(split.images.rows == split.count && split.images.columns == 3072, "images of the wrong shape")
        split.images.withUnsafeBufferPointer { pixels in
            precondition(pixels.allSatisfy { $0 >= 0 && $0 < 1 }, "a pixel outside [0, 1)")
        }
    } catch {
        precondition(!error.description.isEmpty && !error.description.contains("\n"), "an error must be one line")
    }
    return 0
}
