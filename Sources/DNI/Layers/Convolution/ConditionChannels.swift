import Linalg

/// Appends a per-example condition c (for cDNI, the one-hot label) to every pixel as extra
/// constant channels: out[n, y, x, :] = (x[n, y, x, :], c[n, :]).
///
/// x: `[batch, H·W·C]`, c: `[batch, K]` (set in ``condition`` before each forward), out:
/// `[batch, H·W·(C+K)]`. This is how a convolutional synthesizer sees the label: the label is
/// spatially tiled, so every filter of its first convolution can combine it with the activation
/// at every position (Jaderberg et al. 2016 condition cDNI's synthesizers on the label; tiling
/// it as channels is our choice for the convolutional case, see docs/convolution.md).
/// Backward returns the gradient of the first C channels of each pixel (c is a constant).
public final class ConditionChannels: Layer {
    /// The activation's shape, before the condition is appended.
    public let inputShape: SpatialShape
    /// K, the width of the condition.
    public let conditionSize: Int
    /// The shape after appending, `H × W × (C + K)`.
    public var outputShape: SpatialShape { inputShape.with(channels: inputShape.channels + conditionSize) }
    public var inputSize: Int { inputShape.size }
    public var outputSize: Int { outputShape.size }
    public var parameters: [Parameter] { [] }
    /// c, `[batch, conditionSize]`, read by the next forward pass; the caller sets it.
    public var condition = Matrix.empty

    private var output = Matrix.empty
    private var inputGradient = Matrix.empty

    /// A layer appending `conditionSize` channels to activations of shape `input`.
    public init(input: SpatialShape, conditionSize: Int) {
        precondition(conditionSize > 0, "ConditionChannels needs a condition of at least one value")
        self.inputShape = input
        self.conditionSize = conditionSize
    }

    /// A layer of the same shapes with a condition of its own (empty: set it before forward).
    public func makeReplica() -> any Layer { ConditionChannels(input: inputShape, conditionSize: conditionSize) }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize,
                     "ConditionChannels expects \(inputShape) = \(inputSize) features, got \(input.columns)")
        precondition(condition.rows == input.rows && condition.columns == conditionSize,
                     "ConditionChannels: set a [\(input.rows), \(conditionSize)] condition before forward")
        let batch = input.rows, channels = inputShape.channels, conditionSize = self.conditionSize
        let pixels = inputShape.pixelCount, width = channels + conditionSize
        output.resize(rows: batch, columns: outputSize)
        input.withUnsafeBufferPointer { x in
            condition.withUnsafeBufferPointer { c in
                output.withUnsafeMutableBufferPointer { y in
                    var source = x.baseAddress!, destination = y.baseAddress!
                    for example in 0..<batch {
                        let label = c.baseAddress! + example * conditionSize
                        for _ in 0..<pixels {
                            destination.update(from: source, count: channels)
                            (destination + channels).update(from: label, count: conditionSize)
                            source += channels
                            destination += width
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        precondition(outputGradient.columns == outputSize,
                     "ConditionChannels.backward: gradient must have \(outputSize) columns")
        guard needsInputGradient else { return .empty }
        let batch = outputGradient.rows, channels = inputShape.channels, width = channels + conditionSize
        inputGradient.resize(rows: batch, columns: inputSize)
        outputGradient.withUnsafeBufferPointer { g in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                var source = g.baseAddress!, destination = dx.baseAddress!
                for _ in 0..<(batch * inputShape.pixelCount) {
                    destination.update(from: source, count: channels)
                    source += width
                    destination += channels
                }
            }
        }
        return inputGradient
    }
}

extension ConditionChannels: ForwardStateSaving {
    /// Nothing: backward needs only the gradient's shape (c is a constant).
    public func saveForwardState(into tree: inout StateTree, path: String) {}

    public func loadForwardState(from tree: StateTree, path: String) throws(InputError) {}

    public var heldRows: Int? { nil }
}
