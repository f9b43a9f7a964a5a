import CLinalgKernels

/// Vectorised element-wise exp and sigmoid over whole matrices.
///
/// On x86-64 CPUs with AVX2/FMA these run an 8-lane polynomial exp (within 2 ulp of the C
/// library's `expf`, see `Activations.c`); elsewhere they loop over `expf`. The instruction
/// set is chosen at run time like the GEMM microkernel's.
extension Matrix {
    /// `result = exp(self)` element by element; `result` takes this matrix's shape (keeping its
    /// capacity, so a reused `result` allocates nothing).
    public func exponential(into result: inout Matrix, instructionSet: GEMMInstructionSet = .best) {
        apply(dni_exp, instructionSet: instructionSet, into: &result)
    }

    /// `result = σ(self) = 1 / (1 + exp(−self))` element by element; `result` takes this matrix's
    /// shape (keeping its capacity).
    public func sigmoid(into result: inout Matrix, instructionSet: GEMMInstructionSet = .best) {
        apply(dni_sigmoid, instructionSet: instructionSet, into: &result)
    }

    /// `self = σ(self)` in place.
    public mutating func formSigmoid(instructionSet: GEMMInstructionSet = .best) {
        precondition(instructionSet.isSupported, "this CPU cannot run \(instructionSet.rawValue) kernels")
        let count = self.count
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            dni_sigmoid(instructionSet.cValue, Int64(count), base, base)
        }
    }

    /// Runs a buffer kernel `function(set, count, x, y)` from this matrix into `result`.
    private func apply(
        _ function: (DNIGEMMInstructionSet, Int64, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void,
        instructionSet: GEMMInstructionSet, into result: inout Matrix
    ) {
        precondition(instructionSet.isSupported, "this CPU cannot run \(instructionSet.rawValue) kernels")
        result.resize(rows: rows, columns: columns)
        let count = self.count
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                guard let x = source.baseAddress, let y = target.baseAddress else { return }
                function(instructionSet.cValue, Int64(count), x, y)
            }
        }
    }
}

extension Matrix {
    /// `self = σ(self + bias)` with `bias` (a `1 × columns` row, or nil for none) broadcast over
    /// the rows, one row at a time so that each row is read from memory once: the bias add and
    /// the vectorised sigmoid both run on a row that is already in the L1 cache.
    public mutating func formSigmoid(addingRowVector bias: Matrix?, instructionSet: GEMMInstructionSet = .best) {
        precondition(instructionSet.isSupported, "this CPU cannot run \(instructionSet.rawValue) kernels")
        let columns = self.columns, rows = self.rows
        if let bias { precondition(bias.rows == 1 && bias.columns == columns, "bias must be 1×\(columns)") }
        guard columns > 0 else { return }
        let bias = bias ?? .empty
        bias.withUnsafeBufferPointer { b in
            withUnsafeMutableBufferPointer { x in
                for r in 0..<rows {
                    let row = x.baseAddress! + r * columns
                    if !b.isEmpty { for c in 0..<columns { row[c] += b[c] } }
                    dni_sigmoid(instructionSet.cValue, Int64(columns), row, row)
                }
            }
        }
    }

    /// `self = max(self + bias, 0)` in one pass, with `bias` (a `1 × columns` row, or nil)
    /// broadcast over the rows.
    public mutating func formRectifiedLinear(addingRowVector bias: Matrix?) {
        let columns = self.columns, rows = self.rows
        if let bias { precondition(bias.rows == 1 && bias.columns == columns, "bias must be 1×\(columns)") }
        guard columns > 0 else { return }
        guard let bias else {
            withUnsafeMutableBufferPointer { x in
                for i in x.indices { x[i] = Swift.max(x[i], 0) }
            }
            return
        }
        bias.withUnsafeBufferPointer { b in
            withUnsafeMutableBufferPointer { x in
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns { x[base + c] = Swift.max(x[base + c] + b[c], 0) }
                }
            }
        }
    }
}
