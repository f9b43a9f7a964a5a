/// A dense, row-major matrix of `Float` with value semantics.
///
/// Element (r, c) lives at `storage[r * columns + c]`. Copies share storage until one of them
/// is written (copy-on-write, inherited from `Array`), so a matrix can be handed from layer to
/// layer without copying. Hot loops write into matrices they own and reuse from step to step:
/// ``resize(rows:columns:)`` keeps the allocated capacity, so a buffer that has once held the
/// largest batch never allocates again.
public struct Matrix: Sendable, Equatable, CustomStringConvertible {
    /// Number of rows (for activations: the batch size).
    public private(set) var rows: Int
    /// Number of columns (for activations: the feature count).
    public private(set) var columns: Int
    /// Backing store; `_storage.count == rows * columns`.
    @usableFromInline var _storage: [Float]

    /// The elements in row-major order (read-only; write through subscripts and pointers).
    @inlinable public var storage: [Float] { _storage }

    /// A `rows × columns` matrix with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self._storage = [Float](repeating: value, count: rows * columns)
    }

    /// A `rows × columns` matrix from row-major `values` (`values.count == rows * columns`).
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        precondition(values.count == rows * columns,
                     "Matrix(rows: \(rows), columns: \(columns)) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self._storage = values
    }

    /// A matrix from an array of equally long rows.
    public init(_ rowArrays: [[Float]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "All rows must have the same length")
        self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    /// The 0 × 0 matrix; holds no allocation.
    public static let empty = Matrix(rows: 0, columns: 0)

    /// Number of elements, `rows * columns`.
    @inlinable public var count: Int { rows * columns }

    /// The shape as a pair, for messages and comparisons.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// Element at row `row`, column `column`.
    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { _storage[row * columns + column] = newValue }
    }

    /// Changes the shape to `rows × columns`, keeping the allocated capacity.
    ///
    /// The contents afterwards are unspecified (callers overwrite them); no allocation happens
    /// when the matrix has ever held at least `rows * columns` elements and is not shared.
    public mutating func resize(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        let newCount = rows * columns
        if newCount != storage.count {
            if newCount < storage.count {
                _storage.removeLast(storage.count - newCount)
            } else {
                _storage.append(contentsOf: repeatElement(0, count: newCount - storage.count))
            }
        }
        self.rows = rows
        self.columns = columns
    }

    /// Sets every element to `value`.
    public mutating func fill(_ value: Float) {
        _storage.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = value }
        }
    }

    /// Calls `body` with a pointer to the row-major elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the row-major elements.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try _storage.withUnsafeMutableBufferPointer(body)
    }

    /// The elements of row `row`, copied into an array.
    public func row(_ row: Int) -> [Float] {
        Array(storage[(row * columns)..<((row + 1) * columns)])
    }

    /// The transpose, as a new matrix.
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for r in 0..<rows {
            for c in 0..<columns { result._storage[c * rows + r] = storage[r * columns + c] }
        }
        return result
    }

    public var description: String {
        let shown = (0..<min(rows, 6)).map { r in
            (0..<min(columns, 8)).map { c in String(self[r, c]) }.joined(separator: " ")
        }
        return "Matrix(\(rows)×\(columns))[" + shown.joined(separator: "; ") + (rows > 6 ? "; …]" : "]")
    }
}
