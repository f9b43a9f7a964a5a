/// The shape of one example's activation in a convolutional network: `height × width × channels`.
///
/// **Layout (NHWC).** A batch of such activations is a 2-D `Matrix` of shape
/// `[batch, height·width·channels]`; element (y, x, c) of example n sits in row n at column
/// `(y·width + x)·channels + c` — channels innermost. Two things follow, and they are why this
/// library chose NHWC over NCHW:
///
/// - The same storage read as `[batch·height·width, channels]` is a matrix with one *pixel* per
///   row. Per-channel batch normalisation is then exactly ``BatchNormalization`` (and its
///   vectorised kernels) over that view, and a convolution's output, the product
///   `patches · W` with one output pixel per row, lands in NHWC order with no transpose.
/// - A convolution patch at (y, x) is `kernelHeight·kernelWidth` runs of `channels` contiguous
///   floats, so an im2col row is built by whole-run copies.
///
/// Flattening for a fully connected layer is the identity: a `Dense` reads the
/// `[batch, height·width·channels]` matrix as it is.
public struct SpatialShape: Sendable, Hashable, CustomStringConvertible {
    /// Rows of the image or feature map.
    public var height: Int
    /// Columns of the image or feature map.
    public var width: Int
    /// Features per pixel (1 for MNIST, 3 for CIFAR-10 RGB, the filter count after a convolution).
    public var channels: Int

    /// A `height × width × channels` shape; every dimension must be positive.
    public init(height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0 && channels > 0,
                     "a spatial shape needs positive dimensions, got \(height)×\(width)×\(channels)")
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Pixels per example, `height·width`.
    public var pixelCount: Int { height * width }

    /// Floats per example, `height·width·channels`: the column count of a batch matrix.
    public var size: Int { height * width * channels }

    /// The shape with `channels` replaced.
    public func with(channels: Int) -> SpatialShape {
        SpatialShape(height: height, width: width, channels: channels)
    }

    /// `28×28×1`-style text for messages.
    public var description: String { "\(height)×\(width)×\(channels)" }
}
