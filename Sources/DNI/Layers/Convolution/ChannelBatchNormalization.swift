import Linalg

/// Batch normalisation per channel of NHWC activations (Ioffe and Szegedy 2015, §3.2: for
/// convolutional layers the statistics are taken over the batch *and* every pixel):
/// x̂[n, y, x, c] = (x[n, y, x, c] − μ_c) / √(σ²_c + ε), out = f(γ_c·x̂ + β_c), with μ_c and
/// σ²_c the mean and (biased) variance over all B·H·W values of channel c.
///
/// x and out: `[batch, H·W·C]`; γ, β: `[1, C]`. NHWC makes this exactly ``BatchNormalization``
/// over the same storage read as `[batch·H·W, C]` (one pixel per row, see ``SpatialShape``),
/// so it reuses its vectorised kernels with the fused activation. The one difference is the
/// parameter gradients: the inner layer averages over its B·H·W rows, while a parameter
/// gradient here is a mean over the B *examples* of a sum over their pixels, so this layer
/// multiplies γ's and β's gradients by H·W. The input gradient needs no change (the backward
/// formula is linear in the incoming gradient and its means are over the B·H·W values that
/// formed the statistics).
public final class ChannelBatchNormalization: Layer {
    /// The shape of one example (input and output).
    public let shape: SpatialShape
    /// The per-pixel batch normalisation that does the work (its `scale` is γ, `shift` β).
    public let normalization: BatchNormalization
    public var inputSize: Int { shape.size }
    public var outputSize: Int { shape.size }
    public var parameters: [Parameter] { normalization.parameters }

    /// Normalisation of each of `shape.channels` channels, followed by `activation` when not nil.
    public init(shape: SpatialShape, momentum: Float = 0.1, epsilon: Float = 1e-5,
                activation: ActivationFunction? = nil) {
        self.shape = shape
        self.normalization = BatchNormalization(size: shape.channels, momentum: momentum, epsilon: epsilon,
                                                activation: activation)
    }

    /// A layer around `normalization` (a replica sharing γ, β and the running statistics).
    private init(shape: SpatialShape, normalization: BatchNormalization) {
        self.shape = shape
        self.normalization = normalization
    }

    public func makeReplica() -> any Layer {
        guard let replica = normalization.makeReplica() as? BatchNormalization else {
            preconditionFailure("a BatchNormalization replica is a BatchNormalization")
        }
        return ChannelBatchNormalization(shape: shape, normalization: replica)
    }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize,
                     "ChannelBatchNormalization expects \(shape) = \(inputSize) features, got \(input.columns)")
        let batch = input.rows
        let pixels = input.reshaped(rows: batch * shape.pixelCount, columns: shape.channels)
        return normalization.forward(pixels, mode: mode).reshaped(rows: batch, columns: inputSize)
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        precondition(outputGradient.columns == inputSize,
                     "ChannelBatchNormalization.backward: gradient must have \(inputSize) columns")
        let batch = outputGradient.rows
        let pixels = outputGradient.reshaped(rows: batch * shape.pixelCount, columns: shape.channels)
        let inputGradient = normalization.backward(pixels, needsInputGradient: needsInputGradient)
        let pixelCount = Float(shape.pixelCount)
        for index in 0..<shape.channels {
            normalization.scale.gradient[0, index] *= pixelCount
            normalization.shift.gradient[0, index] *= pixelCount
        }
        return needsInputGradient ? inputGradient.reshaped(rows: batch, columns: inputSize) : .empty
    }
}

extension ChannelBatchNormalization: PersistentLayerState {
    public func saveState(into tree: inout StateTree, path: String) { normalization.saveState(into: &tree, path: path) }

    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        try normalization.loadState(from: tree, path: path)
    }
}

extension ChannelBatchNormalization: ForwardStateSaving {
    /// The per-pixel batch norm's saved state (normalised values, inverse deviations, output).
    public func saveForwardState(into tree: inout StateTree, path: String) {
        normalization.saveForwardState(into: &tree, path: path)
    }

    public func loadForwardState(from tree: StateTree, path: String) throws(InputError) {
        try normalization.loadForwardState(from: tree, path: path)
    }

    /// Examples, not pixels: the per-pixel statistics hold `pixelCount` rows per example.
    public var heldRows: Int? {
        let pixels = normalization.heldRows ?? 0
        return pixels % shape.pixelCount == 0 ? pixels / shape.pixelCount : -1
    }
}
