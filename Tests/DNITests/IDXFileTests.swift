import DNI
import Testing

@Suite struct IDXFileTests {
    @Test func parsesWhatItSerializes() throws {
        let elements: [UInt8] = Array(0..<24)
        let file = IDXFile(dimensions: [2, 3, 4], elements: elements[...])
        let bytes = file.serialized()
        #expect(Array(bytes[..<16]) == [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])
        let parsed = try IDXFile(parsing: bytes)
        #expect(parsed.dimensions == [2, 3, 4])
        #expect(Array(parsed.elements) == elements)
    }

    @Test func readsBigEndianDimensions() throws {
        let bytes: [UInt8] = [0, 0, 8, 1, 0, 1, 0x02, 0x03] + [UInt8](repeating: 7, count: 0x10203)
        #expect(try IDXFile(parsing: bytes).dimensions == [0x10203])
    }

    @Test func acceptsZeroDimensionsAsAScalar() throws {
        #expect(try IDXFile(parsing: [0, 0, 8, 0, 42]).elements.first == 42)
    }

    @Test func rejectsMalformedFiles() {
        let good = IDXFile(dimensions: [2, 2], elements: [1, 2, 3, 4]).serialized()
        let cases: [(bytes: [UInt8], message: String)] = [
            ([], "empty file, expected IDX data"),
            ([0, 0, 8], "truncated IDX header (3 bytes, need at least 4)"),
            ([0, 1, 8, 1, 0, 0, 0, 0], "bad IDX magic number (starts with 00 01 08 01, expected 00 00 08 nn)"),
            ([0x1F, 0x8B, 8, 0],
             "bad IDX magic number (starts with 1F 8B 08 00, expected 00 00 08 nn); the data looks gzip-compressed, name the file *.gz"),
            ([0, 0, 0x0D, 1, 0, 0, 0, 0], "IDX element type 0x0D (float32) is not supported, expected 0x08 (unsigned byte)"),
            ([0, 0, 0x42, 1, 0, 0, 0, 0], "IDX element type 0x42 (not an IDX type) is not supported, expected 0x08 (unsigned byte)"),
            ([0, 0, 8, 2, 0, 0, 0, 2], "truncated IDX header (8 bytes, 2 dimensions need 12)"),
            (Array(good.dropLast()), "truncated IDX data (dimensions 2×2 need 4 bytes after the header, the file has 3)"),
            (good + [9, 9], "2 bytes of trailing data after the IDX elements (dimensions 2×2 need 4 bytes after the header)"),
            ([0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12),
             "IDX dimensions 4294967295×4294967295×4294967295 are too large to address"),
        ]
        for (bytes, message) in cases {
            #expect(inputErrorMessage { try IDXFile(parsing: bytes) } == message)
        }
    }

    @Test func readsRawAndGzipFilesAndNamesThePathInErrors() throws {
        let good = IDXFile(dimensions: [3], elements: [5, 6, 7]).serialized()
        let directory = try MNISTFixtures.directory(with: [
            "raw-idx": good, "packed-idx.gz": MNISTFixtures.compress(good), "raw-but-packed": MNISTFixtures.compress(good),
        ])
        defer { MNISTFixtures.remove(directory) }
        #expect(Array(try IDXFile(contentsOf: directory + "/raw-idx").elements) == [5, 6, 7])
        #expect(Array(try IDXFile(contentsOf: directory + "/packed-idx.gz").elements) == [5, 6, 7])
        let message = inputErrorMessage { try IDXFile(contentsOf: directory + "/raw-but-packed") }
        #expect(message?.hasPrefix("\(directory)/raw-but-packed: bad IDX magic number (starts with 1F 8B") == true)
        #expect(inputErrorMessage { try IDXFile(contentsOf: directory + "/absent") }
                == "\(directory)/absent: cannot open (No such file or directory)")
        #expect(inputErrorMessage { try IDXFile(contentsOf: directory) }
                == "\(directory): is a directory, expected a file")
    }
}
