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
        for c in 0..<columns { batchMean[c] = 0; columnSum[c] = 0 }
        input.withUnsafeBufferPointer { x in
            for r in 0..<rows {
                for c in 0..<columns { batchMean[c] += x[r * columns + c] }
            }
            for c in 0..<columns { batchMean[c] /= Float(rows) }
            for r in 0..<rows {
                for c in 0..<columns {
                    let deviation = x[r * columns + c] - batchMean[c]
                    columnSum[c] += deviation * deviation
                }
            }
        }
        for c in 0..<columns {
            let variance = columnSum[c] / Float(rows)
            inverseDeviation[c] = 1 / (variance + epsilon).squareRoot()
            if updateRunning {
                let unbiased = rows > 1 ? columnSum[c] / Float(rows - 1) : variance
                runningMean[c] += momentum * (batchMean[c] - runningMean[c])
                runningVariance[c] += momentum * (unbiased - runningVariance[c])
            }
        }
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        precondition(hasSavedState, "BatchNormalization.backward needs a training forward pass first")
        hasSavedState = false
        let rows = normalized.rows, columns = inputSize
        precondition(outputGradient.rows == rows && outputGradient.columns == columns,
                     "BatchNormalization.backward: gradient must be [\(rows), \(columns)]")
        for c in 0..<columns { columnSum[c] = 0; columnDotSum[c] = 0 }
        outputGradient.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xHat in
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns {
                        columnSum[c] += g[base + c]
                        columnDotSum[c] += g[base + c] * xHat[base + c]
                    }
                }
            }
        }
        let inverseRows = 1 / Float(rows)
        scale.gradient.withUnsafeMutableBufferPointer { gammaGradient in
            shift.gradient.withUnsafeMutableBufferPointer { betaGradient in
                for c in 0..<columns {
                    gammaGradient[c] = columnDotSum[c] * inverseRows
                    betaGradient[c] = columnSum[c] * inverseRows
                }
            }
        }
        guard needsInputGradient else { return .empty }
        inputGradient.resize(rows: rows, columns: columns)
        outputGradient.withUnsafeBufferPointer { g in
            normalized.withUnsafeBufferPointer { xHat in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    scale.value.withUnsafeBufferPointer { gamma in
                        for r in 0..<rows {
                            let base = r * columns
                            for c in 0..<columns {
                                let meanGradient = columnSum[c] * inverseRows
                                let meanDot = columnDotSum[c] * inverseRows
                                dx[base + c] = gamma[c] * inverseDeviation[c]
                                    * (g[base + c] - meanGradient - xHat[base + c] * meanDot)
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
