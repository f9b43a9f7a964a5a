/// A checkpoint file: a header (the run's configuration as JSON bytes) and named sections, in
/// the versioned little-endian container of docs/checkpoint-format.md. This type is the
/// container only; what fills it (the state tree) is built elsewhere.
///
/// Layout (all integers little-endian):
///
///     0   8  magic 89 44 4E 49 43 4B 50 0A ("\x89DNICKP\n")
///     8   4  format version (UInt32, 1)
///     12  4  section count N (UInt32)
///     16  8  header length H (UInt64)
///     24  4  CRC-32C of the header bytes
///     28  4  CRC-32C of bytes 0..<28
///     32  H  header (UTF-8 JSON)
///     then N sections: a descriptor (name length, element type, rank, data CRC-32C, data
///     length, name, dimensions, descriptor CRC-32C), then the data; then the end of the file.
///
/// ``init(parsing:)`` checks every length against the bytes that remain before it allocates or
/// reads anything, so that no file, however damaged or hostile, can make it trap or ask for
/// more memory than the file's own size.
public struct CheckpointFile: Sendable, Equatable {
    /// The first eight bytes: a non-ASCII byte, the name, and a line feed, so that a file mangled
    /// by a text-mode transfer, or not a checkpoint at all, is recognised at once.
    public static let magic: [UInt8] = [0x89, 0x44, 0x4E, 0x49, 0x43, 0x4B, 0x50, 0x0A]
    /// The format version this build writes and the newest it reads.
    public static let version: UInt32 = 1
    /// Size of the fixed part before the header.
    static let fixedHeaderSize = 32
    /// The smallest section: descriptor with a one-byte name and no dimensions, no data.
    static let minimumSectionSize = 16 + 1 + 4

    /// The run's configuration, UTF-8 JSON (not interpreted by the container).
    public var header: [UInt8]
    /// The sections, in file order; names are unique.
    public var sections: [CheckpointSection]

    /// A checkpoint of `sections` with `header`.
    /// - Precondition: the section names are unique.
    public init(header: [UInt8], sections: [CheckpointSection]) {
        precondition(Set(sections.map(\.name)).count == sections.count, "checkpoint section names must be unique")
        self.header = header
        self.sections = sections
    }

    /// The section named `name`, or nil.
    public func section(named name: String) -> CheckpointSection? {
        sections.first { $0.name == name }
    }

    /// The file's bytes.
    public func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.fixedHeaderSize + header.count
                              + sections.reduce(0) { $0 + 64 + $1.name.utf8.count + 8 * $1.shape.count + $1.data.count })
        bytes.appendLittleEndian(Self.version)
        bytes.appendLittleEndian(UInt32(sections.count))
        bytes.appendLittleEndian(UInt64(header.count))
        bytes.appendLittleEndian(CRC32C.checksum(header))
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        bytes += header
        for section in sections {
            let descriptorStart = bytes.count
            let name = Array(section.name.utf8)
            bytes.appendLittleEndian(UInt16(name.count))
            bytes.append(section.elementType.rawValue)
            bytes.append(UInt8(section.shape.count))
            bytes.appendLittleEndian(CRC32C.checksum(section.data))
            bytes.appendLittleEndian(UInt64(section.data.count))
            bytes += name
            for size in section.shape { bytes.appendLittleEndian(UInt64(size)) }
            bytes.appendLittleEndian(CRC32C.checksum(bytes[descriptorStart...]))
            bytes += section.data
        }
        return bytes
    }

    /// Parses checkpoint bytes.
    /// - Throws: ``InputError`` with a one-line problem that does not name the file: not a
    ///   checkpoint (magic), a newer or unknown version, a truncated file, a bad checksum, sizes
    ///   larger than the file, an unknown element type, a bad or repeated name, trailing data.
    public init(parsing bytes: [UInt8]) throws(InputError) {
        guard !bytes.isEmpty else { throw InputError("empty file, expected a dni checkpoint") }
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw InputError("not a dni checkpoint (starts with \(Gzip.hexadecimal(bytes.prefix(8))), "
                             + "expected \(Gzip.hexadecimal(Self.magic)))")
        }
        guard bytes.count >= Self.fixedHeaderSize else {
            throw InputError("truncated checkpoint: \(bytes.count) bytes, the fixed header alone has \(Self.fixedHeaderSize)")
        }
        var reader = CheckpointReader(bytes: bytes, offset: Self.magic.count)
        let version = reader.integer(UInt32.self)
        let sectionCount = reader.integer(UInt32.self)
        let headerLength = reader.integer(UInt64.self)
        let headerChecksum = reader.integer(UInt32.self)
        let fixedChecksum = reader.integer(UInt32.self)
        let computedFixed = CRC32C.checksum(bytes[0..<28])
        guard version <= Self.version else {
            throw InputError("checkpoint format version \(version) is newer than this dni reads (\(Self.version)); "
                             + "use a newer dni")
        }
        guard version >= 1 else { throw InputError("checkpoint format version 0 does not exist (damaged file?)") }
        guard fixedChecksum == computedFixed else {
            throw InputError("bad checksum in the checkpoint's fixed header (stored \(hex(fixedChecksum)), "
                             + "computed \(hex(computedFixed)))")
        }
        guard headerLength <= UInt64(reader.remaining) else {
            throw InputError("truncated checkpoint: the header needs \(headerLength) bytes, \(reader.remaining) remain")
        }
        let header = reader.bytes(Int(headerLength))
        let computedHeader = CRC32C.checksum(header)
        guard computedHeader == headerChecksum else {
            throw InputError("bad checksum in the checkpoint header (stored \(hex(headerChecksum)), computed \(hex(computedHeader)))")
        }
        // Bounded before reserving: every section takes at least `minimumSectionSize` bytes.
        guard Int(sectionCount) <= reader.remaining / Self.minimumSectionSize else {
            throw InputError("truncated checkpoint: \(sectionCount) sections cannot fit in the \(reader.remaining) bytes left")
        }
        var sections: [CheckpointSection] = []
        sections.reserveCapacity(Int(sectionCount))
        var names = Set<String>()
        for index in 0..<Int(sectionCount) {
            let section = try reader.section(index: index)
            guard names.insert(section.name).inserted else {
                throw InputError("checkpoint section \(index + 1) repeats the name '\(section.name)'")
            }
            sections.append(section)
        }
        guard reader.remaining == 0 else {
            throw InputError("\(reader.remaining) bytes of trailing data after the last checkpoint section")
        }
        self.header = header
        self.sections = sections
    }

    /// Reads the checkpoint at `path`.
    /// - Throws: ``InputError`` `"PATH: PROBLEM"`, one line.
    public init(contentsOf path: String) throws(InputError) {
        let bytes = try FileBytes.contents(atPath: path)
        do {
            try self.init(parsing: bytes)
        } catch {
            throw InputError("\(path): \(error.description)")
        }
    }

    /// Writes the checkpoint to `path` atomically (``AtomicFileWriter``).
    /// - Throws: ``InputError`` `"PATH: PROBLEM"` when the file cannot be written.
    public func write(to path: String) throws(InputError) {
        try AtomicFileWriter.write(serialized(), to: path)
    }
}

/// `value` as `0x` and eight hexadecimal digits.
func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
