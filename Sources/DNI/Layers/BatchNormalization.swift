import Linalg

/// Batch normalisation (Ioffe and Szegedy 2015) over the features of a `[batch, size]` input:
/// x̂ = (x − μ) / √(σ² + ε), y = γ ⊙ x̂ + β.
///
/// Training uses the batch's mean μ and (biased) variance σ² and moves the running averages
/// toward them by `momentum`; inference uses the running averages. With per-example output
/// gradients G (see ``Layer``), backward returns (γ/√(σ²+ε)) ⊙ (G − mean(G) − x̂ ⊙ mean(G ⊙ x̂)),
/// and ∂L/∂γ = (1/B) Σₙ Gₙ ⊙ x̂ₙ, ∂L/∂β = (1/B) Σₙ Gₙ.
public final class BatchNormalization: Layer {
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    /// The scale γ, `[1, size]`, initialised to 1.
    public let scale: Parameter
    /// The shift β, `[1, size]`, initialised to 0.
    public let shift: Parameter
    public let parameters: [Parameter]
    /// Weight of the newest batch in the running averages.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Running mean, used at inference.
    public private(set) var runningMean: [Float]
    /// Running (unbiased) variance, used at inference.
    public private(set) var runningVariance: [Float]

    private var output = Matrix.empty
    private var normalized = Matrix.empty
    private var inputGradient = Matrix.empty
    private var inverseDeviation: [Float]
    private var batchMean: [Float]
    private var columnSum: [Float]
    private var columnDotSum: [Float]
    private var hasSavedState = false

    /// A layer normalising `size` features.
    public init(size: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        inputSize = size
        self.momentum = momentum
        self.epsilon = epsilon
        scale = Parameter(name: "scale", value: Matrix(rows: 1, columns: size, repeating: 1))
        shift = Parameter(name: "shift", value: Matrix(rows: 1, columns: size))
        parameters = [scale, shift]
        runningMean = [Float](repeating: 0, count: size)
        runningVariance = [Float](repeating: 1, count: size)
        inverseDeviation = [Float](repeating: 0, count: size)
        batchMean = [Float](repeating: 0, count: size)
        columnSum = [Float](repeating: 0, count: size)
        columnDotSum = [Float](repeating: 0, count: size)
    }

    /// Replaces the running statistics (checkpoint restore).
    public func setRunningStatistics(mean: [Float], variance: [Float]) {
        precondition(mean.count == inputSize && variance.count == inputSize, "running statistics must have \(inputSize) values")
        runningMean = mean
        runningVariance = variance
    }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize, "BatchNormalization expects \(inputSize) features, got \(input.columns)")
        let rows = input.rows, columns = inputSize
        output.resize(rows: rows, columns: columns)
        normalized.resize(rows: rows, columns: columns)
        if mode == .inference {
            for c in 0..<columns {
                batchMean[c] = runningMean[c]
                inverseDeviation[c] = 1 / (runningVariance[c] + epsilon).squareRoot()
            }
        } else {
            computeBatchStatistics(input, updateRunning: mode == .training)
        }
        input.withUnsafeBufferPointer { x in
            normalized.withUnsafeMutableBufferPointer { xHat in
                output.withUnsafeMutableBufferPointer { y in
                    scale.value.withUnsafeBufferPointer { gamma in
                        shift.value.withUnsafeBufferPointer { beta in
                            batchMean.withUnsafeBufferPointer { mean in
                                inverseDeviation.withUnsafeBufferPointer { inverse in
                                    for r in 0..<rows {
                                        let base = r * columns
                                        for c in 0..<columns {
                                            let value = (x[base + c] - mean[c]) * inverse[c]
                                            xHat[base + c] = value
                                            y[base + c] = gamma[c] * value + beta[c]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        hasSavedState = mode != .inference
        return output
    }

    private func computeBatchStatistics(_ input: Matrix, updateRunning: Bool) {
        let rows = input.rows, columns = inputSize
        precondition(rows > 0, "BatchNormalization needs a non-empty batch in training")
        let momentum = self.momentum, epsilon = self.epsilon
        // Local pointers for the whole pass: class properties touched inside the loops would
        // cost a dynamic exclusivity check per element.
        input.withUnsafeBufferPointer { x in
            batchMean.withUnsafeMutableBufferPointer { mean in
                columnSum.withUnsafeMutableBufferPointer { squares in
                    inverseDeviation.withUnsafeMutableBufferPointer { inverse in
                        runningMean.withUnsafeMutableBufferPointer { runMean in
                            runningVariance.withUnsafeMutableBufferPointer { runVariance in
                                for c in 0..<columns { mean[c] = 0; squares[c] = 0 }
                                for r in 0..<rows {
                                    let base = r * columns
                                    for c in 0..<columns { mean[c] += x[base + c] }
                                }
                                let inverseRows = 1 / Float(rows)
                                for c in 0..<columns { mean[c] *= inverseRows }
                                for r in 0..<rows {
                                    let base = r * columns
                                    for c in 0..<columns {
                                        let deviation = x[base + c] - mean[c]
                                        squares[c] += deviation * deviation
                                    }
                                }
                                for c in 0..<columns {
                                    let variance = squares[c] * inverseRows
                                    inverse[c] = 1 / (variance + epsilon).squareRoot()
                                    if updateRunning {
                                        let unbiased = rows > 1 ? squares[c] / Float(rows - 1) : variance
                                        runMean[c] += momentum * (mean[c] - runMean[c])
                                        runVariance[c] += momentum * (unbiased - runVariance[c])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        precondition(hasSavedState, "BatchNormalization.backward needs a training forward pass first")
        hasSavedState = false
        let rows = normalized.rows, columns = inputSize
        precondition(outputGradient.rows == rows && outputGradient.columns == columns,
                     "BatchNormalization.backward: gradient must be [\(rows), \(columns)]")
        let inverseRows = 1 / Float(rows)
        if needsInputGradient { inputGradient.resize(rows: rows, columns: columns) }
        outputGradient.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xHat in
                columnSum.withUnsafeMutableBufferPointer { sum in
                    columnDotSum.withUnsafeMutableBufferPointer { dotSum in
                        for c in 0..<columns { sum[c] = 0; dotSum[c] = 0 }
                        for r in 0..<rows {
                            let base = r * columns
                            for c in 0..<columns {
                                sum[c] += g[base + c]
                                dotSum[c] += g[base + c] * xHat[base + c]
                            }
                        }
                        scale.gradient.withUnsafeMutableBufferPointer { gammaGradient in
                            shift.gradient.withUnsafeMutableBufferPointer { betaGradient in
                                for c in 0..<columns {
                                    gammaGradient[c] = dotSum[c] * inverseRows
                                    betaGradient[c] = sum[c] * inverseRows
                                }
                            }
                        }
                        guard needsInputGradient else { return }
                        // dx = γ/σ · (G − mean(G) − x̂ · mean(G ⊙ x̂)), with the per-feature
                        // factors folded first so the element loop is two multiply-adds.
                        scale.value.withUnsafeBufferPointer { gamma in
                            inverseDeviation.withUnsafeBufferPointer { inverse in
                                for c in 0..<columns {
                                    let factor = gamma[c] * inverse[c]
                                    sum[c] = factor * sum[c] * inverseRows
                                    dotSum[c] = factor * dotSum[c] * inverseRows
                                }
                                inputGradient.withUnsafeMutableBufferPointer { dx in
                                    for r in 0..<rows {
                                        let base = r * columns
                                        for c in 0..<columns {
                                            dx[base + c] = gamma[c] * inverse[c] * g[base + c]
                                                - sum[c] - xHat[base + c] * dotSum[c]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return needsInputGradient ? inputGradient : .empty
    }
}
