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
