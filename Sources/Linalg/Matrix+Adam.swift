import CLinalgKernels

extension Matrix {
    /// One Adam step on this parameter matrix (Kingma and Ba 2015), in place:
    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − step·m / (√(v·correction2) + ε),
    /// where the caller folds the bias corrections into `step` = η/(1−β₁ᵗ) and
    /// `correction2` = 1/(1−β₂ᵗ).
    ///
    /// Runs the eight-lane AVX2 kernel when the CPU has it (Swift's SIMD square root lowers to a
    /// scalar `sqrtss` per lane on x86-64's baseline), a scalar loop elsewhere.
    public mutating func adamStep(gradient: Matrix, firstMoment: inout Matrix, secondMoment: inout Matrix,
                                  beta1: Float, beta2: Float, step: Float, correction2: Float, epsilon: Float,
                                  instructionSet: GEMMInstructionSet = .best) {
        precondition(gradient.count == count && firstMoment.count == count && secondMoment.count == count,
                     "adamStep: the parameter, its gradient and its moments must have the same size")
        precondition(instructionSet.isSupported, "this CPU cannot run \(instructionSet.rawValue) kernels")
        guard count > 0 else { return }
        let count = Int64(self.count)
        gradient.withUnsafeBufferPointer { g in
            firstMoment.withUnsafeMutableBufferPointer { m in
                secondMoment.withUnsafeMutableBufferPointer { v in
                    withUnsafeMutableBufferPointer { theta in
                        dni_adam_update(instructionSet.cValue, count, g.baseAddress!, m.baseAddress!, v.baseAddress!,
                                        theta.baseAddress!, beta1, beta2, step, correction2, epsilon)
                    }
                }
            }
        }
    }
}
