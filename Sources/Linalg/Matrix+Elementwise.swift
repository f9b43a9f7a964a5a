#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Element-wise kernels, broadcasts and reductions. Each writes into a matrix the caller owns
/// (resized in place, keeping capacity), so a training step reuses its buffers.
extension Matrix {
    /// Adds the `1 × columns` row `bias` to every row: `self[r, :] += bias`.
    public mutating func addRowVector(_ bias: Matrix) {
        precondition(bias.rows == 1 && bias.columns == columns, "bias must be 1×\(columns), is \(bias.rows)×\(bias.columns)")
        let columns = self.columns, rows = self.rows
        bias.withUnsafeBufferPointer { b in
            withUnsafeMutableBufferPointer { x in
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns { x[base + c] += b[c] }
                }
            }
        }
    }

    /// Writes `scale · Σ_r self[r, :]` (a `1 × columns` row) into `result`, or adds it when
    /// `accumulate` is true.
    public func sumRows(scale: Float = 1, into result: inout Matrix, accumulate: Bool = false) {
        if !accumulate { result.resize(rows: 1, columns: columns); result.fill(0) }
        precondition(result.rows == 1 && result.columns == columns, "sumRows: result must be 1×\(columns)")
        let columns = self.columns, rows = self.rows
        withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns { out[c] += scale * x[base + c] }
                }
            }
        }
    }

    /// Makes `self` a copy of `source` (same shape and values), reusing this matrix's capacity.
    public mutating func assign(_ source: Matrix) {
        resize(rows: source.rows, columns: source.columns)
        source.withUnsafeBufferPointer { s in
            withUnsafeMutableBufferPointer { d in
                for i in d.indices { d[i] = s[i] }
            }
        }
    }

    /// x ← α·x, in place.
    public mutating func scale(by alpha: Float) {
        _storage.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] *= alpha }
        }
    }

    /// `self += alpha · x` (same shapes).
    public mutating func add(_ x: Matrix, scaledBy alpha: Float = 1) {
        precondition(x.rows == rows && x.columns == columns, "add: shapes \(x.shape) and \(shape) differ")
        x.withUnsafeBufferPointer { s in
            withUnsafeMutableBufferPointer { d in
                for i in d.indices { d[i] += alpha * s[i] }
            }
        }
    }

    /// Writes `f(self[i])` into `result[i]` for every element, resizing `result` to this shape.
    @inlinable
    public func map(into result: inout Matrix, _ f: (Float) -> Float) {
        result.resize(rows: rows, columns: columns)
        withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { d in
                for i in d.indices { d[i] = f(s[i]) }
            }
        }
    }

    /// Writes `f(self[i], other[i])` into `result[i]`, resizing `result` to this shape.
    @inlinable
    public func zip(_ other: Matrix, into result: inout Matrix, _ f: (Float, Float) -> Float) {
        precondition(other.rows == rows && other.columns == columns, "zip: shapes \(shape) and \(other.shape) differ")
        result.resize(rows: rows, columns: columns)
        withUnsafeBufferPointer { s in
            other.withUnsafeBufferPointer { o in
                result.withUnsafeMutableBufferPointer { d in
                    for i in d.indices { d[i] = f(s[i], o[i]) }
                }
            }
        }
    }

    /// Σ self[i] · other[i], accumulated in `Double`.
    public func dot(_ other: Matrix) -> Double {
        precondition(other.count == count, "dot: sizes \(count) and \(other.count) differ")
        return withUnsafeBufferPointer { s in
            other.withUnsafeBufferPointer { o in
                var sum = 0.0
                for i in s.indices { sum += Double(s[i]) * Double(o[i]) }
                return sum
            }
        }
    }

    /// The Frobenius norm √(Σ self[i]²), accumulated in `Double`.
    public func norm() -> Double { dot(self).squareRoot() }

    /// True when every element is finite (no NaN or infinity).
    public var isFinite: Bool {
        withUnsafeBufferPointer { s in s.allSatisfy { $0.isFinite } }
    }

    /// Copies the columns of `left` and then those of `right` side by side into `self`:
    /// `self = [left | right]`, both with the same number of rows.
    public mutating func concatenateColumns(_ left: Matrix, _ right: Matrix) {
        precondition(left.rows == right.rows, "concatenateColumns: row counts \(left.rows) and \(right.rows) differ")
        let width = left.columns + right.columns
        resize(rows: left.rows, columns: width)
        let leftColumns = left.columns, rightColumns = right.columns, rows = left.rows
        left.withUnsafeBufferPointer { l in
            right.withUnsafeBufferPointer { r in
                withUnsafeMutableBufferPointer { d in
                    for row in 0..<rows {
                        for c in 0..<leftColumns { d[row * width + c] = l[row * leftColumns + c] }
                        for c in 0..<rightColumns { d[row * width + leftColumns + c] = r[row * rightColumns + c] }
                    }
                }
            }
        }
    }

    /// Copies the rows listed in `indices` of `source` into `self`, in that order (a batch gather).
    /// Inlinable so that it specialises for the caller's index collection; each row is one
    /// contiguous copy.
    @inlinable
    public mutating func gatherRows<C: Collection>(_ indices: C, of source: Matrix) where C.Element == Int {
        let width = source.columns
        resize(rows: indices.count, columns: width)
        guard width > 0 else { return }
        source.withUnsafeBufferPointer { s in
            withUnsafeMutableBufferPointer { d in
                var row = 0
                for index in indices {
                    (d.baseAddress! + row * width).update(from: s.baseAddress! + index * width, count: width)
                    row += 1
                }
            }
        }
    }
}

/// The logistic function σ(x) = 1 / (1 + e^(−x)).
@inlinable
public func sigmoid(_ x: Float) -> Float {
    1 / (1 + expf(-x))
}

/// The hyperbolic tangent, from the platform's math library.
@inlinable
public func hyperbolicTangent(_ x: Float) -> Float {
    tanhf(x)
}

/// The natural exponential, from the platform's math library.
@inlinable
public func exponential(_ x: Float) -> Float {
    expf(x)
}

/// The natural logarithm, from the platform's math library.
@inlinable
public func logarithm(_ x: Float) -> Float {
    logf(x)
}
