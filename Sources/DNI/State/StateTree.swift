import Linalg

/// Everything a run needs to continue, as named arrays (issue 10, "one state tree"): the
/// parameters, batch-norm running statistics, optimizer moments and step counts, feedback
/// matrices, every random generator's state, what is in flight between stages (synthesizer
/// predictions waiting for their targets, targets waiting for their turn), and the trainer's
/// position in its data. Paths are stable dotted names such as `stage.1.body.0.weight` or
/// `stage.1.synthesizer.optimizer.first_moment.0`; docs/checkpoint-format.md lists them.
///
/// A checkpoint file stores the tree's sections in the order they were added. Reading is strict:
/// a missing section, a section of another type or shape, or (``checkAllRead()``) a section no
/// one asked for means the checkpoint holds a different network, and says which path differs.
public struct StateTree: Sendable {
    /// The sections, in the order they were added.
    public private(set) var sections: [CheckpointSection] = []
    private var positions: [String: Int] = [:]

    /// An empty tree.
    public init() {}

    /// The tree of a checkpoint's sections.
    public init(sections: [CheckpointSection]) {
        for section in sections { add(section) }
    }

    /// True when the tree has a section at `path`.
    public func contains(_ path: String) -> Bool { positions[path] != nil }

    /// Every path, in order.
    public var paths: [String] { sections.map(\.name) }

    // MARK: Writing

    /// Adds `section`, replacing any section with the same name.
    public mutating func add(_ section: CheckpointSection) {
        if let position = positions[section.name] {
            sections[position] = section
        } else {
            positions[section.name] = sections.count
            sections.append(section)
        }
    }

    /// Stores `matrix` (float32, shape `[rows, columns]`).
    public mutating func set(_ path: String, matrix: Matrix) {
        let data: [UInt8] = matrix.withUnsafeBufferPointer { elements in
            #if _endian(little)
            // The file is little-endian, as this machine: the bytes as they are, in one copy.
            return Array(UnsafeRawBufferPointer(elements))
            #else
            var data: [UInt8] = []
            data.reserveCapacity(4 * elements.count)
            for value in elements { data.appendLittleEndian(value.bitPattern) }
            return data
            #endif
        }
        add(CheckpointSection(name: path, elementType: .float32, shape: [matrix.rows, matrix.columns], data: data))
    }

    /// Stores `values` (float32, one dimension).
    public mutating func set(_ path: String, floats values: [Float]) {
        add(CheckpointSection(name: path, floats: values))
    }

    /// Stores `values` (float64, one dimension).
    public mutating func set(_ path: String, doubles values: [Double]) {
        var data: [UInt8] = []
        data.reserveCapacity(8 * values.count)
        for value in values { data.appendLittleEndian(value.bitPattern) }
        add(CheckpointSection(name: path, elementType: .float64, shape: [values.count], data: data))
    }

    /// Stores `values` (int64, one dimension).
    public mutating func set(_ path: String, integers values: [Int]) {
        var data: [UInt8] = []
        data.reserveCapacity(8 * values.count)
        for value in values { data.appendLittleEndian(Int64(value)) }
        add(CheckpointSection(name: path, elementType: .int64, shape: [values.count], data: data))
    }

    /// Stores one integer (int64, shape `[1]`).
    public mutating func set(_ path: String, integer value: Int) { set(path, integers: [value]) }

    /// Stores one `Double` (float64, shape `[1]`).
    public mutating func set(_ path: String, double value: Double) { set(path, doubles: [value]) }

    /// Stores a generator's state (uint64, shape `[1]`).
    public mutating func set(_ path: String, generator: SeededGenerator) {
        add(CheckpointSection(name: path, unsignedIntegers: [generator.state]))
    }

    // MARK: Reading

    /// The section at `path`, checked to hold `type`.
    /// - Throws: ``InputError`` naming the path when it is missing or holds another type.
    public func section(_ path: String, of type: CheckpointSection.ElementType) throws(InputError) -> CheckpointSection {
        guard let position = positions[path] else {
            throw InputError("has no '\(path)': it was written by a different network or run")
        }
        let section = sections[position]
        guard section.elementType == type else {
            throw InputError("'\(path)' holds \(section.elementType), expected \(type)")
        }
        return section
    }

    /// The matrix at `path`, which must be `[rows, columns]`.
    public func matrix(_ path: String, rows: Int, columns: Int) throws(InputError) -> Matrix {
        let section = try section(path, of: .float32)
        guard section.shape == [rows, columns] else {
            throw InputError("'\(path)' is \(Self.describe(section.shape)), this network needs [\(rows), \(columns)]")
        }
        var matrix = Matrix(rows: rows, columns: columns)
        read(section, into: &matrix)
        return matrix
    }

    /// The matrix at `path`, whatever its shape (two dimensions).
    public func matrix(_ path: String) throws(InputError) -> Matrix {
        let section = try section(path, of: .float32)
        guard section.shape.count == 2 else { throw InputError("'\(path)' is \(Self.describe(section.shape)), expected a matrix") }
        var matrix = Matrix(rows: section.shape[0], columns: section.shape[1])
        read(section, into: &matrix)
        return matrix
    }

    /// Overwrites `matrix` in place (keeping its storage) with the values at `path`, which must
    /// have its shape.
    public func load(_ path: String, into matrix: inout Matrix) throws(InputError) {
        let section = try section(path, of: .float32)
        guard section.shape == [matrix.rows, matrix.columns] else {
            throw InputError("'\(path)' is \(Self.describe(section.shape)), this network needs [\(matrix.rows), \(matrix.columns)]")
        }
        read(section, into: &matrix)
    }

    private func read(_ section: CheckpointSection, into matrix: inout Matrix) {
        let data = section.data
        matrix.withUnsafeMutableBufferPointer { elements in
            #if _endian(little)
            data.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(elements).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(4 * elements.count)]))
            }
            #else
            for index in elements.indices {
                elements[index] = Float(bitPattern: data.littleEndianInteger(at: 4 * index, as: UInt32.self))
            }
            #endif
        }
    }

    /// The float32 values at `path`; `count`, when given, is checked.
    public func floats(_ path: String, count: Int? = nil) throws(InputError) -> [Float] {
        let section = try section(path, of: .float32)
        if let count, section.shape != [count] {
            throw InputError("'\(path)' is \(Self.describe(section.shape)), this network needs [\(count)]")
        }
        return try section.floats()
    }

    /// The float64 values at `path`.
    public func doubles(_ path: String) throws(InputError) -> [Double] {
        let section = try section(path, of: .float64)
        return (0..<section.count).map { Double(bitPattern: section.data.littleEndianInteger(at: 8 * $0, as: UInt64.self)) }
    }

    /// The int64 values at `path`.
    public func integers(_ path: String) throws(InputError) -> [Int] {
        let section = try section(path, of: .int64)
        return (0..<section.count).map { Int(section.data.littleEndianInteger(at: 8 * $0, as: Int64.self)) }
    }

    /// The one integer at `path`.
    public func integer(_ path: String) throws(InputError) -> Int {
        let values = try integers(path)
        guard values.count == 1 else { throw InputError("'\(path)' holds \(values.count) integers, expected one") }
        return values[0]
    }

    /// The one `Double` at `path`.
    public func double(_ path: String) throws(InputError) -> Double {
        let values = try doubles(path)
        guard values.count == 1 else { throw InputError("'\(path)' holds \(values.count) numbers, expected one") }
        return values[0]
    }

    /// The generator whose state is at `path`.
    public func generator(_ path: String) throws(InputError) -> SeededGenerator {
        let values = try section(path, of: .uint64).unsignedIntegers()
        guard values.count == 1 else { throw InputError("'\(path)' holds \(values.count) states, expected one") }
        return SeededGenerator(seed: values[0])
    }

    /// `[a, b]`, for messages.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}
