import Linalg

/// Batch normalisation (Ioffe and Szegedy 2015) over the features of a `[batch, size]` input:
/// x̂ = (x − μ) / √(σ² + ε), y = γ ⊙ x̂ + β.
///
/// Training uses the batch's mean μ and (biased) variance σ² and moves the running averages
/// toward them by `momentum`; inference uses the running averages. With per-example output
/// gradients G (see ``Layer``), backward returns (γ/√(σ²+ε)) ⊙ (G − mean(G) − x̂ ⊙ mean(G ⊙ x̂)),
/// and ∂L/∂γ = (1/B) Σₙ Gₙ ⊙ x̂ₙ, ∂L/∂β = (1/B) Σₙ Gₙ.
///
/// A fused `activation` applies f after the affine map (`BatchNorm → ReLU` in one layer, as in
/// the paper's networks): ReLU runs inside the normalisation kernel, forward and backward, so
/// the pair costs one pass over memory instead of two; sigmoid and tanh run on the output in
/// place. The passes are the vectorised kernels of `Linalg` (`Matrix.batchStatistics` and
/// friends).
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
    /// The running averages, shared with every replica of this layer.
    public let runningStatistics: RunningStatistics
    /// Running mean, used at inference.
    public var runningMean: [Float] { runningStatistics.mean }
    /// Running (unbiased) variance, used at inference.
    public var runningVariance: [Float] { runningStatistics.variance }
    /// The nonlinearity applied after the affine map, or nil for none.
    public let activation: ActivationFunction?

    private var output = Matrix.empty
    private var normalized = Matrix.empty
    private var inputGradient = Matrix.empty
    private var inverseDeviation: [Float]
    private var batchMean: [Float]
    private var columnSum: [Float]
    private var columnDotSum: [Float]
    private var gradientScale: [Float]
    private var preActivationGradient = Matrix.empty
    private var hasSavedState = false

    /// A layer normalising `size` features, followed by `activation` when it is not nil.
    public init(size: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, activation: ActivationFunction? = nil) {
        inputSize = size
        self.activation = activation
        self.momentum = momentum
        self.epsilon = epsilon
        scale = Parameter(name: "scale", value: Matrix(rows: 1, columns: size, repeating: 1))
        shift = Parameter(name: "shift", value: Matrix(rows: 1, columns: size))
        parameters = [scale, shift]
        runningStatistics = RunningStatistics(size: size)
        inverseDeviation = [Float](repeating: 0, count: size)
        batchMean = [Float](repeating: 0, count: size)
        columnSum = [Float](repeating: 0, count: size)
        columnDotSum = [Float](repeating: 0, count: size)
        gradientScale = [Float](repeating: 0, count: size)
    }

    /// A replica of `other`: the same γ, β and running statistics, buffers of its own.
    private init(replicating other: BatchNormalization) {
        inputSize = other.inputSize
        activation = other.activation
        momentum = other.momentum
        epsilon = other.epsilon
        scale = other.scale
        shift = other.shift
        parameters = other.parameters
        runningStatistics = other.runningStatistics
        let size = other.inputSize
        inverseDeviation = [Float](repeating: 0, count: size)
        batchMean = [Float](repeating: 0, count: size)
        columnSum = [Float](repeating: 0, count: size)
        columnDotSum = [Float](repeating: 0, count: size)
        gradientScale = [Float](repeating: 0, count: size)
    }

    public func makeReplica() -> any Layer { BatchNormalization(replicating: self) }

    /// Replaces the running statistics (checkpoint restore).
    public func setRunningStatistics(mean: [Float], variance: [Float]) {
        precondition(mean.count == inputSize && variance.count == inputSize, "running statistics must have \(inputSize) values")
        runningStatistics.mean = mean
        runningStatistics.variance = variance
    }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize, "BatchNormalization expects \(inputSize) features, got \(input.columns)")
        if mode == .inference {
            let statistics = runningStatistics
            for c in 0..<inputSize {
                batchMean[c] = statistics.mean[c]
                inverseDeviation[c] = 1 / (statistics.variance[c] + epsilon).squareRoot()
            }
        } else {
            computeBatchStatistics(input, updateRunning: mode == .training)
        }
        input.batchNormalize(mean: batchMean, inverseDeviation: inverseDeviation, scale: scale.value,
                             shift: shift.value, rectify: activation == .relu,
                             normalized: &normalized, into: &output)
        if let activation, activation != .relu { activation.formActivation(&output) }
        hasSavedState = mode != .inference
        return output
    }

    /// Batch mean and 1/√(σ² + ε) into `batchMean` and `inverseDeviation`; moves the running
    /// averages toward them (with the unbiased variance) when `updateRunning`.
    private func computeBatchStatistics(_ input: Matrix, updateRunning: Bool) {
        let rows = input.rows
        precondition(rows > 0, "BatchNormalization needs a non-empty batch in training")
        input.batchStatistics(mean: &batchMean, squaredDeviations: &columnSum)
        let inverseRows = 1 / Float(rows)
        let unbiasedScale = rows > 1 ? 1 / Float(rows - 1) : inverseRows
        for c in 0..<inputSize {
            inverseDeviation[c] = 1 / (columnSum[c] * inverseRows + epsilon).squareRoot()
        }
        if updateRunning {
            runningStatistics.move(toward: batchMean, squaredDeviations: columnSum,
                                   unbiasedScale: unbiasedScale, momentum: momentum)
        }
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        precondition(hasSavedState, "BatchNormalization.backward needs a training forward pass first")
        hasSavedState = false
        let rows = normalized.rows
        precondition(outputGradient.rows == rows && outputGradient.columns == inputSize,
                     "BatchNormalization.backward: gradient must be [\(rows), \(inputSize)]")
        // The gradient before the activation: ReLU's mask is applied inside the kernels.
        let gradient: Matrix
        switch activation {
        case nil, .relu?:
            gradient = outputGradient
        case let function?:
            function.inputGradient(outputGradient, output: output, into: &preActivationGradient)
            gradient = preActivationGradient
        }
        let mask: Matrix? = activation == .relu ? output : nil
        gradient.batchNormalizationSums(normalized: normalized, rectifiedOutput: mask,
                                        sum: &columnSum, dot: &columnDotSum)
        let inverseRows = 1 / Float(rows)
        for c in 0..<inputSize {
            scale.gradient[0, c] = columnDotSum[c] * inverseRows
            shift.gradient[0, c] = columnSum[c] * inverseRows
        }
        guard needsInputGradient else { return .empty }
        // dx = γ/σ · (G − mean(G) − x̂ · mean(G ⊙ x̂)) with the per-feature factors folded first,
        // so the element pass is two multiply-adds.
        for c in 0..<inputSize {
            let factor = scale.value[0, c] * inverseDeviation[c]
            gradientScale[c] = factor
            columnSum[c] = factor * columnSum[c] * inverseRows
            columnDotSum[c] = factor * columnDotSum[c] * inverseRows
        }
        gradient.batchNormalizationInputGradient(normalized: normalized, rectifiedOutput: mask,
                                                 scale: gradientScale, shift: columnSum, slope: columnDotSum,
                                                 into: &inputGradient)
        return inputGradient
    }
}

/// The running mean and (unbiased) variance of a ``BatchNormalization`` layer, used at
/// inference: μ̄ ← μ̄ + m·(μ − μ̄), σ̄² ← σ̄² + m·(σ²_unbiased − σ̄²) after each training batch.
///
/// A reference type so that the replicas of one layer (``Layer/makeReplica()``) move the same
/// averages, in the order their training batches arrive.
public final class RunningStatistics {
    /// μ̄, one value per feature (starts at 0).
    public var mean: [Float]
    /// σ̄², one value per feature (starts at 1).
    public var variance: [Float]

    /// Statistics for `size` features: mean 0, variance 1.
    public init(size: Int) {
        mean = [Float](repeating: 0, count: size)
        variance = [Float](repeating: 1, count: size)
    }

    /// Moves the averages toward a batch's `batchMean` and its variance
    /// `squaredDeviations · unbiasedScale` by `momentum`.
    func move(toward batchMean: [Float], squaredDeviations: [Float], unbiasedScale: Float, momentum: Float) {
        for c in mean.indices {
            mean[c] += momentum * (batchMean[c] - mean[c])
            variance[c] += momentum * (squaredDeviations[c] * unbiasedScale - variance[c])
        }
    }
}

extension BatchNormalization: PersistentLayerState, ForwardStateSaving {
    public func saveState(into tree: inout StateTree, path: String) {
        tree.set("\(path).running_mean", floats: runningStatistics.mean)
        tree.set("\(path).running_variance", floats: runningStatistics.variance)
    }

    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        let mean = try tree.floats("\(path).running_mean", count: inputSize)
        let variance = try tree.floats("\(path).running_variance", count: inputSize)
        setRunningStatistics(mean: mean, variance: variance)
    }

    public var heldRows: Int? { hasSavedState ? normalized.rows : 0 }

    public func saveForwardState(into tree: inout StateTree, path: String) {
        guard hasSavedState else { return }
        tree.set("\(path).saved_normalized", matrix: normalized)
        tree.set("\(path).saved_inverse_deviation", floats: inverseDeviation)
        tree.set("\(path).saved_output", matrix: output)
    }

    public func loadForwardState(from tree: StateTree, path: String) throws(InputError) {
        guard tree.contains("\(path).saved_normalized") else {
            hasSavedState = false
            return
        }
        let saved = try tree.matrix("\(path).saved_normalized")
        guard saved.columns == inputSize else {
            throw InputError("'\(path).saved_normalized' has \(saved.columns) columns, this layer has \(inputSize)")
        }
        normalized = saved
        inverseDeviation = try tree.floats("\(path).saved_inverse_deviation", count: inputSize)
        output = try tree.matrix("\(path).saved_output", rows: saved.rows, columns: inputSize)
        hasSavedState = true
    }
}
