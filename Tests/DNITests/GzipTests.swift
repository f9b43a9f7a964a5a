import DNI
import Testing

@Suite struct GzipTests {
    /// Incompressible-looking but deterministic bytes, long enough to span several deflate blocks.
    static let original: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
    var original: [UInt8] { Self.original }

    @Test func roundTripsOneMember() throws {
        #expect(try Gzip.decompress(MNISTFixtures.compress(original)) == original)
    }

    @Test func concatenatesMembers() throws {
        let first = Array(original[..<70_000]), second = Array(original[70_000...])
        let compressed = MNISTFixtures.compress(first) + MNISTFixtures.compress([]) + MNISTFixtures.compress(second)
        #expect(try Gzip.decompress(compressed) == original)
    }

    @Test func decompressesEmptyContents() throws {
        #expect(try Gzip.decompress(MNISTFixtures.compress([])) == [])
    }

    @Test func rejectsEmptyInput() {
        #expect(inputErrorMessage { try Gzip.decompress([]) } == "empty file, expected gzip data")
    }

    @Test func rejectsDataWithoutTheMagicBytes() {
        #expect(inputErrorMessage { try Gzip.decompress([0, 0, 8, 3, 1]) }
                == "not gzip data (starts with 00 00, expected 1F 8B)")
        #expect(inputErrorMessage { try Gzip.decompress([0x1F]) }
                == "not gzip data (starts with 1F, expected 1F 8B)")
    }

    @Test func rejectsTruncatedData() {
        let compressed = MNISTFixtures.compress(original)
        for length in [2, 10, 11, compressed.count / 2, compressed.count - 1] {
            let message = inputErrorMessage { try Gzip.decompress(Array(compressed[..<length])) }
            #expect(message?.hasPrefix("truncated gzip data") == true, "cut at \(length): \(message ?? "no error")")
        }
    }

    @Test func rejectsCorruptData() {
        var badBlockType = MNISTFixtures.compress(original)
        badBlockType[10] = 0xFF  // first deflate byte: block type 3, which does not exist
        #expect(inputErrorMessage { try Gzip.decompress(badBlockType) }
                == "corrupt gzip data in member 1 (invalid block type)")

        var badChecksum = MNISTFixtures.compress(original)
        badChecksum[badChecksum.count - 8] ^= 0x01  // CRC-32 of the contents
        #expect(inputErrorMessage { try Gzip.decompress(badChecksum) }
                == "corrupt gzip data in member 1 (incorrect data check)")

        var badLength = MNISTFixtures.compress(original)
        badLength[badLength.count - 4] ^= 0x01  // ISIZE, the length modulo 2^32
        #expect(inputErrorMessage { try Gzip.decompress(badLength) }
                == "corrupt gzip data in member 1 (incorrect length check)")
    }

    @Test func rejectsTrailingData() {
        let compressed = MNISTFixtures.compress(original) + [0, 0, 0, 0, 0]
        #expect(inputErrorMessage { try Gzip.decompress(compressed) }
                == "5 bytes of trailing data after gzip member 1 (starting 00 00 00 00)")
    }

    @Test func refusesToExpandPastTheLimit() {
        let zeros = MNISTFixtures.compress([UInt8](repeating: 0, count: 1 << 20))
        #expect(inputErrorMessage { try Gzip.decompress(zeros, maximumSize: 1000) }
                == "gzip data decompresses to more than 1000 bytes")
        #expect((try? Gzip.decompress(zeros, maximumSize: 1 << 20))?.count == 1 << 20)
    }
}
