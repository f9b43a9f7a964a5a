import Linalg

/// A trainable matrix and the gradient that the last backward pass wrote for it.
///
/// Layers own their parameters; optimizers read `gradient` and update `value` in place.
/// A reference type so that a layer, its optimizer and a checkpoint all see the same storage
/// without copying.
public final class Parameter {
    /// A name for messages and checkpoints, such as `"weight"` or `"bias"`.
    public let name: String
    /// The current value θ.
    public var value: Matrix
    /// ∂L/∂θ for the last batch (a batch mean), written by the owning layer's backward pass.
    public var gradient: Matrix

    /// A parameter holding `value`, with a zero gradient of the same shape.
    public init(name: String, value: Matrix) {
        self.name = name
        self.value = value
        self.gradient = Matrix(rows: value.rows, columns: value.columns)
    }

    /// Number of scalar elements.
    public var count: Int { value.count }
}
