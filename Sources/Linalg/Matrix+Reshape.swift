/// Reading the same row-major elements under another shape.
extension Matrix {
    /// Changes the shape to `rows × columns` without touching the elements, which must number
    /// the same (`rows * columns == count`).
    ///
    /// Row-major storage makes this free: a `[batch, height·width·channels]` activation and the
    /// `[batch·height·width, channels]` matrix of its pixels are the same floats in the same
    /// order. No element is written, so a reshaped copy keeps sharing storage with the original
    /// (nothing is copied, nothing is allocated).
    public mutating func reshape(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0 && rows * columns == count,
                     "cannot reshape a \(self.rows)×\(self.columns) matrix to \(rows)×\(columns)")
        resize(rows: rows, columns: columns)  // same count: resize keeps every element
    }

    /// This matrix's elements as a `rows × columns` matrix (same storage, see ``reshape(rows:columns:)``).
    public func reshaped(rows: Int, columns: Int) -> Matrix {
        var result = self
        result.reshape(rows: rows, columns: columns)
        return result
    }
}
