/// A cursor over checkpoint bytes for ``CheckpointFile/init(parsing:)``: every read is checked
/// by its caller against ``remaining`` first, so none goes past the end.
struct CheckpointReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(bytes: [UInt8], offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes not yet read.
    var remaining: Int { bytes.count - offset }

    /// Reads a little-endian integer (the caller checked that enough bytes remain).
    mutating func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) -> Integer {
        let value = bytes.littleEndianInteger(at: offset, as: type)
        offset += Integer.bitWidth / 8
        return value
    }

    /// Reads `count` bytes (the caller checked that they remain).
    mutating func bytes(_ count: Int) -> [UInt8] {
        let result = Array(bytes[offset..<(offset + count)])
        offset += count
        return result
    }

    /// Reads section `index` (0-based): its descriptor, checked, then its data, checked.
    mutating func section(index: Int) throws(InputError) -> CheckpointSection {
        let ordinal = "checkpoint section \(index + 1)"
        let start = offset
        guard remaining >= 16 else {
            throw InputError("truncated checkpoint: \(ordinal) needs a 16-byte descriptor, \(remaining) bytes remain")
        }
        let nameLength = Int(integer(UInt16.self))
        let typeCode = integer(UInt8.self)
        let rank = Int(integer(UInt8.self))
        let dataChecksum = integer(UInt32.self)
        let dataLength = integer(UInt64.self)
        guard (1...CheckpointSection.maximumNameLength).contains(nameLength) else {
            throw InputError("\(ordinal): a name of \(nameLength) bytes (names have 1...\(CheckpointSection.maximumNameLength))")
        }
        guard rank <= CheckpointSection.maximumRank else {
            throw InputError("\(ordinal): \(rank) dimensions (at most \(CheckpointSection.maximumRank))")
        }
        let descriptorRest = nameLength + 8 * rank + 4
        guard remaining >= descriptorRest else {
            throw InputError("truncated checkpoint: \(ordinal)'s descriptor needs \(descriptorRest) more bytes, \(remaining) remain")
        }
        let nameBytes = bytes(nameLength)
        var shape: [Int] = []
        var elementCount = 1
        var overflow = false
        for _ in 0..<rank {
            let size = integer(UInt64.self)
            overflow = overflow || size > UInt64(Int.max)
            let product = elementCount.multipliedReportingOverflow(by: Int(truncatingIfNeeded: size))
            overflow = overflow || product.overflow
            elementCount = product.partialValue
            shape.append(Int(truncatingIfNeeded: size))
        }
        let descriptorChecksum = integer(UInt32.self)
        let computedDescriptor = CRC32C.checksum(bytes[start..<(offset - 4)])
        guard descriptorChecksum == computedDescriptor else {
            throw InputError("bad checksum in \(ordinal)'s descriptor (stored \(hex(descriptorChecksum)), "
                             + "computed \(hex(computedDescriptor)))")
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard Array(name.utf8) == nameBytes else {
            throw InputError("\(ordinal): its name is not UTF-8")
        }
        // Names go into one-line error messages: no line breaks or other control characters.
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control
                                                     || $0 == "\u{2028}" || $0 == "\u{2029}" }) else {
            throw InputError("\(ordinal): its name holds a control character")
        }
        guard let elementType = CheckpointSection.ElementType(rawValue: typeCode) else {
            throw InputError("section '\(name)': unknown element type \(typeCode)")
        }
        let shapeText = shape.map(String.init).joined(separator: "×")
        let expected = elementCount.multipliedReportingOverflow(by: elementType.size)
        guard !overflow, !expected.overflow, UInt64(expected.partialValue) == dataLength else {
            throw InputError("section '\(name)': \(dataLength) bytes of data do not hold a \(shapeText.isEmpty ? "scalar" : shapeText) "
                             + "array of \(elementType)")
        }
        guard dataLength <= UInt64(remaining) else {
            throw InputError("truncated checkpoint: section '\(name)' needs \(dataLength) bytes of data, \(remaining) remain")
        }
        let data = bytes(Int(dataLength))
        let computedData = CRC32C.checksum(data)
        guard computedData == dataChecksum else {
            throw InputError("bad checksum in section '\(name)' (stored \(hex(dataChecksum)), computed \(hex(computedData)))")
        }
        return CheckpointSection(name: name, elementType: elementType, shape: shape, data: data)
    }
}
