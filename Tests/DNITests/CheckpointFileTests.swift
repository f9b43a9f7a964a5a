@testable import DNI
import Foundation
import Testing

/// The checkpoint container (docs/checkpoint-format.md): CRC-32C against its check value and a
/// bitwise oracle, a byte-exact round trip, an atomic write, and one ``InputError`` naming the
/// problem for every kind of damaged file.
@Suite struct CheckpointFileTests {
    /// The bitwise definition of CRC-32C: the oracle for the sliced tables.
    static func bitwiseCRC32C(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    static let sample = CheckpointFile(
        header: Array(#"{"task":"mnist","method":"dni"}"#.utf8),
        sections: [
            CheckpointSection(name: "stage.1.dense.weight", floats: [1, -2.5, 0.125, .infinity, 3, 4], shape: [2, 3]),
            CheckpointSection(name: "rng.stage.1", unsignedIntegers: [0x0123_4567_89AB_CDEF, 42]),
            CheckpointSection(name: "trainer.epoch", elementType: .int64, shape: [], data: [7, 0, 0, 0, 0, 0, 0, 0]),
            CheckpointSection(name: "empty", elementType: .float64, shape: [0, 5], data: []),
        ])

    /// The problem `bytes` is rejected with, or nil when it parses.
    static func problem(_ bytes: [UInt8]) -> String? {
        do {
            _ = try CheckpointFile(parsing: bytes)
            return nil
        } catch {
            return error.description
        }
    }

    /// `bytes` with the fixed header's checksum recomputed (after editing bytes 0..<28).
    static func refixed(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        let checksum = CRC32C.checksum(bytes[0..<28])
        for index in 0..<4 { bytes[28 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
        return bytes
    }

    /// Offset of the first section's descriptor in `sample`'s bytes.
    static var firstSectionOffset: Int { 32 + sample.header.count }

    @Test func crc32cHasTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)  // RFC 3720 B.4
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func slicedTablesMatchTheBitwiseDefinition() {
        var generator = SystemRandomNumberGenerator()
        for length in Array(0...40) + [255, 1000, 4099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(CRC32C.checksum(bytes) == Self.bitwiseCRC32C(bytes), "length \(length)")
            // Incremental: any split gives the same checksum.
            let split = length / 3
            #expect(CRC32C.update(CRC32C.checksum(bytes[..<split]), with: bytes[split...]) == Self.bitwiseCRC32C(bytes))
        }
    }

    @Test func roundTripsByteForByte() throws {
        let bytes = Self.sample.serialized()
        let parsed = try CheckpointFile(parsing: bytes)
        #expect(parsed == Self.sample)
        #expect(parsed.serialized() == bytes)
        #expect(Array(bytes[0..<8]) == [0x89, 0x44, 0x4E, 0x49, 0x43, 0x4B, 0x50, 0x0A])
        #expect(try parsed.section(named: "stage.1.dense.weight")?.floats() == [1, -2.5, 0.125, .infinity, 3, 4])
        #expect(try parsed.section(named: "rng.stage.1")?.unsignedIntegers() == [0x0123_4567_89AB_CDEF, 42])
        #expect(parsed.section(named: "trainer.epoch")?.shape == [])
        #expect(throws: InputError.self) { try parsed.section(named: "rng.stage.1")?.floats() }
    }

    @Test func littleEndianOnDisk() {
        let bytes = CheckpointFile(header: [], sections: [CheckpointSection(name: "x", floats: [1])]).serialized()
        #expect(Array(bytes[8..<12]) == [1, 0, 0, 0])            // version 1
        #expect(Array(bytes[12..<16]) == [1, 0, 0, 0])           // one section
        #expect(Array(bytes.suffix(4)) == [0x00, 0x00, 0x80, 0x3F])  // 1.0 as float32, little-endian
    }

    @Test func rejectsAnEmptyFileAndWrongMagic() {
        #expect(Self.problem([]) == "empty file, expected a dni checkpoint")
        var bytes = Self.sample.serialized()
        bytes[1] = 0x45
        #expect(Self.problem(bytes)?.hasPrefix("not a dni checkpoint (starts with 89 45 4E 49") == true)
        #expect(Self.problem([0x1F, 0x8B, 8, 0])?.hasPrefix("not a dni checkpoint") == true)
    }

    @Test func rejectsANewerVersion() {
        var bytes = Self.sample.serialized()
        bytes[8] = 2
        #expect(Self.problem(Self.refixed(bytes)) == "checkpoint format version 2 is newer than this dni reads (1); use a newer dni")
        // Checked before the checksum: a newer writer may checksum differently.
        #expect(Self.problem(bytes)?.contains("version 2 is newer") == true)
        bytes[8] = 0
        #expect(Self.problem(Self.refixed(bytes)) == "checkpoint format version 0 does not exist (damaged file?)")
    }

    @Test func rejectsEveryTruncation() {
        let bytes = Self.sample.serialized()
        for length in 1..<bytes.count {
            let problem = Self.problem(Array(bytes[..<length]))
            #expect(problem != nil, "a file cut to \(length) bytes was accepted")
            if length >= 32 {
                #expect(problem?.hasPrefix("truncated checkpoint") == true, "\(length): \(problem ?? "")")
            }
        }
    }

    @Test func rejectsEveryFlippedBit() {
        // Every single-bit error anywhere is caught (CRC-32C detects all of them).
        let bytes = Self.sample.serialized()
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << bit
                #expect(Self.problem(damaged) != nil, "a flipped bit \(bit) at byte \(index) was accepted")
            }
        }
    }

    @Test func namesTheDamagedPart() {
        let bytes = Self.sample.serialized()
        var header = bytes
        header[33] ^= 0x01
        #expect(Self.problem(header)?.hasPrefix("bad checksum in the checkpoint header (stored 0x") == true)
        var fixed = bytes
        fixed[14] ^= 0x01
        #expect(Self.problem(fixed)?.hasPrefix("bad checksum in the checkpoint's fixed header") == true)
        var data = bytes
        data[data.count - 1] ^= 0x80
        // The last bytes are the descriptor checksum of the last section, which has no data.
        #expect(Self.problem(data)?.hasPrefix("bad checksum in checkpoint section 4's descriptor") == true)
        var weight = bytes
        weight[Self.firstSectionOffset + 16 + 20 + 16 + 4 + 3] ^= 0x01  // inside the weight's data
        #expect(Self.problem(weight)?.hasPrefix("bad checksum in section 'stage.1.dense.weight' (stored 0x") == true)
        var descriptor = bytes
        descriptor[Self.firstSectionOffset + 16] ^= 0x01  // a byte of the name
        #expect(Self.problem(descriptor)?.hasPrefix("bad checksum in checkpoint section 1's descriptor") == true)
    }

    /// A file of one section whose descriptor says what the arguments say, with valid checksums.
    static func crafted(nameLength: Int = 1, type: UInt8 = 1, shape: [UInt64], dataLength: UInt64,
                        data: [UInt8] = [], sectionCount: UInt32 = 1, headerLength: UInt64 = 0) -> [UInt8] {
        var bytes = CheckpointFile.magic
        bytes.appendLittleEndian(UInt32(1))
        bytes.appendLittleEndian(sectionCount)
        bytes.appendLittleEndian(headerLength)
        bytes.appendLittleEndian(CRC32C.checksum([UInt8]()))
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        let start = bytes.count
        bytes.appendLittleEndian(UInt16(nameLength))
        bytes.append(type)
        bytes.append(UInt8(shape.count))
        bytes.appendLittleEndian(CRC32C.checksum(data))
        bytes.appendLittleEndian(dataLength)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: nameLength)
        for size in shape { bytes.appendLittleEndian(size) }
        bytes.appendLittleEndian(CRC32C.checksum(bytes[start...]))
        return bytes + data
    }

    @Test func sizesLargerThanTheFileAreRejectedBeforeAllocating() {
        #expect(Self.problem(Self.crafted(shape: [1 << 40], dataLength: 4 << 40)) ==
                "truncated checkpoint: section 'a' needs 4398046511104 bytes of data, 0 remain")
        #expect(Self.problem(Self.crafted(shape: [1 << 62, 1 << 62], dataLength: 16))?
                    .hasPrefix("section 'a': 16 bytes of data do not hold a") == true)
        #expect(Self.problem(Self.crafted(shape: [UInt64.max], dataLength: 0))?.contains("do not hold") == true)
        #expect(Self.problem(Self.crafted(shape: [], dataLength: 0, sectionCount: .max)) ==
                "truncated checkpoint: 4294967295 sections cannot fit in the 21 bytes left")
        #expect(Self.problem(Self.crafted(shape: [], dataLength: 0, headerLength: .max))?
                    .hasPrefix("truncated checkpoint: the header needs 18446744073709551615 bytes") == true)
    }

    @Test func rejectsBadDescriptors() {
        #expect(Self.problem(Self.crafted(type: 9, shape: [1], dataLength: 4, data: [0, 0, 0, 0])) ==
                "section 'a': unknown element type 9")
        #expect(Self.problem(Self.crafted(shape: Array(repeating: 1, count: 9), dataLength: 4, data: [0, 0, 0, 0])) ==
                "checkpoint section 1: 9 dimensions (at most 8)")
        #expect(Self.problem(Self.crafted(nameLength: 0, shape: [], dataLength: 4, data: [0, 0, 0, 0])) ==
                "checkpoint section 1: a name of 0 bytes (names have 1...4096)")
        #expect(Self.problem(Self.crafted(shape: [2], dataLength: 4, data: [0, 0, 0, 0])) ==
                "section 'a': 4 bytes of data do not hold a 2 array of float32")
    }

    @Test func rejectsNamesThatWouldBreakAnErrorLine() {
        // Found by the checkpoint fuzzer: a name with a line break made a two-line error.
        for name in ["two\nlines", "carriage\rreturn", "tab\there", "line\u{2028}separator"] {
            let bytes = CheckpointFile(header: [], sections: [CheckpointSection(name: name, floats: [1])]).serialized()
            let problem = Self.problem(bytes)
            #expect(problem == "checkpoint section 1: its name holds a control character", "\(name.debugDescription)")
        }
    }

    @Test func rejectsRepeatedNamesAndTrailingData() {
        let one = CheckpointSection(name: "twice", floats: [1])
        var bytes = CheckpointFile(header: [], sections: [one, CheckpointSection(name: "twicf", floats: [1])]).serialized()
        // Rename the second section to "twice" and fix its descriptor checksum.
        let second = 32 + 16 + 5 + 4 + 4 + 8   // header, first descriptor, its dimension, checksum, data
        bytes[second + 16 + 4] = UInt8(ascii: "e")
        let checksum = CRC32C.checksum(bytes[second..<(second + 16 + 5 + 8)])
        for index in 0..<4 { bytes[second + 16 + 5 + 8 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
        #expect(Self.problem(bytes) == "checkpoint section 2 repeats the name 'twice'")
        #expect(Self.problem(Self.sample.serialized() + [0]) == "1 bytes of trailing data after the last checkpoint section")
    }

    @Test func writesAtomicallyAndNamesTheFileInErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dni-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("run.dnickpt").path
        try Self.sample.write(to: path)
        #expect(try CheckpointFile(contentsOf: path) == Self.sample)
        let smaller = CheckpointFile(header: [], sections: [CheckpointSection(name: "x", floats: [2])])
        try smaller.write(to: path)
        #expect(try CheckpointFile(contentsOf: path) == smaller)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["run.dnickpt"])

        #expect(throws: InputError("\(directory.path)/missing/run.dnickpt: cannot create \(directory.path)/missing/.run.dnickpt.tmp-\(getpid()) (No such file or directory)")) {
            try smaller.write(to: directory.path + "/missing/run.dnickpt")
        }
        var damaged = Self.sample.serialized()
        damaged.removeLast()
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        do {
            _ = try CheckpointFile(contentsOf: path)
            Issue.record("a truncated file was accepted")
        } catch {
            #expect(error.description.hasPrefix("\(path): truncated checkpoint"))
        }
        #expect(throws: InputError.self) { try CheckpointFile(contentsOf: directory.path + "/none") }
    }
}
