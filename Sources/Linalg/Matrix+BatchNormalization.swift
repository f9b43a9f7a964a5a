import CLinalgKernels

/// The passes of batch normalisation over a `[batch, features]` matrix (one example per row),
/// run by the C kernels of `Normalization.c`: eight features per AVX2 register where the CPU
/// has it, plain loops elsewhere. Per-feature vectors are arrays of `columns` floats.
///
/// `rectify` fuses a ReLU after the affine map: forward clamps at zero, and the backward passes
/// zero the incoming gradient wherever the saved rectified output is not positive.
extension Matrix {
    /// Per column: `mean` = the column's mean, `squaredDeviations` = Σ (x − mean)² (two passes).
    /// Both arrays must hold `columns` values; the matrix must have at least one row.
    public func batchStatistics(mean: inout [Float], squaredDeviations: inout [Float],
                                instructionSet: GEMMInstructionSet = .best) {
        precondition(rows > 0, "batch statistics need at least one row")
        precondition(mean.count == columns && squaredDeviations.count == columns,
                     "batchStatistics: the per-column arrays must hold \(columns) values")
        let rowCount = Int64(rows), columnCount = Int64(columns)
        withUnsafeBufferPointer { x in
            mean.withUnsafeMutableBufferPointer { m in
                squaredDeviations.withUnsafeMutableBufferPointer { s in
                    dni_batchnorm_statistics(instructionSet.cValue, rowCount, columnCount, x.baseAddress, m.baseAddress, s.baseAddress)
                }
            }
        }
    }

    /// `output = γ ⊙ x̂ + β` (then `max(·, 0)` when `rectify`), with x̂ = (self − mean) ⊙
    /// inverseDeviation written to `normalized`. Both outputs take this matrix's shape.
    public func batchNormalize(mean: [Float], inverseDeviation: [Float], scale: Matrix, shift: Matrix,
                               rectify: Bool, normalized: inout Matrix, into output: inout Matrix,
                               instructionSet: GEMMInstructionSet = .best) {
        precondition(mean.count == columns && inverseDeviation.count == columns
                     && scale.count == columns && shift.count == columns,
                     "batchNormalize: the per-column vectors must hold \(columns) values")
        output.resize(rows: rows, columns: columns)
        normalized.resize(rows: rows, columns: columns)
        let rowCount = Int64(rows), columnCount = Int64(columns)
        withUnsafeBufferPointer { x in
            mean.withUnsafeBufferPointer { m in
                inverseDeviation.withUnsafeBufferPointer { inverse in
                    scale.withUnsafeBufferPointer { gamma in
                        shift.withUnsafeBufferPointer { beta in
                            normalized.withUnsafeMutableBufferPointer { xHat in
                                output.withUnsafeMutableBufferPointer { y in
                                    dni_batchnorm_normalize(instructionSet.cValue, rowCount, columnCount, x.baseAddress, m.baseAddress,
                                                            inverse.baseAddress, gamma.baseAddress, beta.baseAddress,
                                                            rectify ? 1 : 0, xHat.baseAddress, y.baseAddress)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Per column, with this matrix as the output gradient G: `sum` = Σ G′ and `dot` = Σ G′ ⊙ x̂,
    /// where G′ is G zeroed wherever `rectifiedOutput` (when given) is not positive.
    public func batchNormalizationSums(normalized: Matrix, rectifiedOutput: Matrix?,
                                       sum: inout [Float], dot: inout [Float],
                                       instructionSet: GEMMInstructionSet = .best) {
        precondition(sum.count == columns && dot.count == columns,
                     "batchNormalizationSums: the per-column arrays must hold \(columns) values")
        withBackwardOperands(normalized: normalized, rectifiedOutput: rectifiedOutput) { g, xHat, y in
            sum.withUnsafeMutableBufferPointer { s in
                dot.withUnsafeMutableBufferPointer { d in
                    dni_batchnorm_backward_sums(instructionSet.cValue, Int64(rows), Int64(columns), g, xHat, y,
                                                s.baseAddress, d.baseAddress)
                }
            }
        }
    }

    /// `result = scale ⊙ G′ − shift − x̂ ⊙ slope` with this matrix as G and G′ as in
    /// ``batchNormalizationSums(normalized:rectifiedOutput:sum:dot:instructionSet:)``.
    public func batchNormalizationInputGradient(normalized: Matrix, rectifiedOutput: Matrix?,
                                                scale: [Float], shift: [Float], slope: [Float],
                                                into result: inout Matrix,
                                                instructionSet: GEMMInstructionSet = .best) {
        precondition(scale.count == columns && shift.count == columns && slope.count == columns,
                     "batchNormalizationInputGradient: the per-column vectors must hold \(columns) values")
        result.resize(rows: rows, columns: columns)
        withBackwardOperands(normalized: normalized, rectifiedOutput: rectifiedOutput) { g, xHat, y in
            scale.withUnsafeBufferPointer { a in
                shift.withUnsafeBufferPointer { b in
                    slope.withUnsafeBufferPointer { c in
                        result.withUnsafeMutableBufferPointer { dx in
                            dni_batchnorm_input_gradient(instructionSet.cValue, Int64(rows), Int64(columns), g, xHat, y,
                                                         a.baseAddress, b.baseAddress, c.baseAddress, dx.baseAddress)
                        }
                    }
                }
            }
        }
    }

    /// Checks that the saved x̂ (and the rectified output, when given) have this gradient's shape
    /// and passes the three buffers to `body`; the output's pointer is nil when there is none.
    private func withBackwardOperands(
        normalized: Matrix, rectifiedOutput: Matrix?,
        _ body: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?) -> Void
    ) {
        precondition(normalized.rows == rows && normalized.columns == columns
                     && (rectifiedOutput.map { $0.rows == rows && $0.columns == columns } ?? true),
                     "batch-norm backward: the saved matrices must be [\(rows), \(columns)]")
        withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xHat in
                guard let rectifiedOutput else { return body(g.baseAddress, xHat.baseAddress, nil) }
                rectifiedOutput.withUnsafeBufferPointer { y in body(g.baseAddress, xHat.baseAddress, y.baseAddress) }
            }
        }
    }
}
