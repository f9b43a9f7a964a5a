/// One named array in a checkpoint (docs/checkpoint-format.md): a parameter, an optimizer
/// moment, an RNG state… `shape` is row-major, outermost first; `data` holds the elements
/// little-endian, `data.count == shape.product × elementType.size`.
public struct CheckpointSection: Sendable, Equatable {
    /// The type of every element of a section, stored as one byte.
    public enum ElementType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        /// IEEE 754 binary32.
        case float32 = 1
        /// IEEE 754 binary64.
        case float64 = 2
        /// Unsigned bytes (text, opaque blobs).
        case uint8 = 3
        /// Two's-complement 64-bit integers (counters, positions).
        case int64 = 4
        /// Unsigned 64-bit integers (RNG states, seeds).
        case uint64 = 5

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .uint8: 1
            case .float32: 4
            case .float64, .int64, .uint64: 8
            }
        }

        /// The type's name in messages.
        public var description: String {
            switch self {
            case .float32: "float32"
            case .float64: "float64"
            case .uint8: "uint8"
            case .int64: "int64"
            case .uint64: "uint64"
            }
        }
    }

    /// A stable path name such as `stage.1.dense.weight` (UTF-8, 1 to ``maximumNameLength`` bytes).
    public var name: String
    /// The type of the elements.
    public var elementType: ElementType
    /// The dimensions, outermost first (empty for a scalar), at most ``maximumRank`` of them.
    public var shape: [Int]
    /// The elements, little-endian, row-major.
    public var data: [UInt8]

    /// The longest name, in UTF-8 bytes.
    public static let maximumNameLength = 4096
    /// The most dimensions a section may have.
    public static let maximumRank = 8

    /// A section holding `data` as is.
    /// - Precondition: `data.count` is the product of `shape` times the element size.
    public init(name: String, elementType: ElementType, shape: [Int], data: [UInt8]) {
        precondition(!name.utf8.isEmpty && name.utf8.count <= Self.maximumNameLength, "section names have 1...4096 bytes")
        precondition(shape.count <= Self.maximumRank && shape.allSatisfy { $0 >= 0 }, "at most 8 non-negative dimensions")
        precondition(data.count == shape.reduce(1, *) * elementType.size, "section data must match its shape")
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.data = data
    }

    /// A float32 section of `values` with `shape` (default: one dimension).
    public init(name: String, floats values: [Float], shape: [Int]? = nil) {
        var data: [UInt8] = []
        data.reserveCapacity(4 * values.count)
        for value in values { data.appendLittleEndian(value.bitPattern) }
        self.init(name: name, elementType: .float32, shape: shape ?? [values.count], data: data)
    }

    /// A uint64 section of `values` (one dimension).
    public init(name: String, unsignedIntegers values: [UInt64]) {
        var data: [UInt8] = []
        data.reserveCapacity(8 * values.count)
        for value in values { data.appendLittleEndian(value) }
        self.init(name: name, elementType: .uint64, shape: [values.count], data: data)
    }

    /// Number of elements.
    public var count: Int { data.count / elementType.size }

    /// The elements of a float32 section.
    /// - Throws: ``InputError`` when the section holds another type.
    public func floats() throws(InputError) -> [Float] {
        guard elementType == .float32 else { throw InputError("section '\(name)' holds \(elementType), expected float32") }
        return (0..<count).map { Float(bitPattern: data.littleEndianInteger(at: 4 * $0, as: UInt32.self)) }
    }

    /// The elements of a uint64 section.
    /// - Throws: ``InputError`` when the section holds another type.
    public func unsignedIntegers() throws(InputError) -> [UInt64] {
        guard elementType == .uint64 else { throw InputError("section '\(name)' holds \(elementType), expected uint64") }
        return (0..<count).map { data.littleEndianInteger(at: 8 * $0, as: UInt64.self) }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value`'s bytes, least significant first.
    mutating func appendLittleEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        var remaining = value
        for _ in 0..<(Integer.bitWidth / 8) {
            append(UInt8(truncatingIfNeeded: remaining))
            remaining = remaining >> 8
        }
    }
}

extension Collection where Element == UInt8, Index == Int {
    /// The integer stored little-endian at `offset` (the caller checks the bounds).
    func littleEndianInteger<Integer: FixedWidthInteger>(at offset: Int, as type: Integer.Type) -> Integer {
        var value = Integer.zero
        for byte in 0..<(Integer.bitWidth / 8) {
            value |= Integer(truncatingIfNeeded: self[offset + byte]) << (8 * byte)
        }
        return value
    }
}
