/// Where a convolution kernel or a pooling window sits on its input: a `height × width` window
/// moved by `stride` pixels in both directions over the input padded by `padding` pixels on
/// every side.
///
/// Output pixel (oy, ox) covers input rows `oy·stride − padding + ky` for `ky` in
/// `0..<height` (and likewise columns), so the output has
/// `⌊(H + 2·padding − height) / stride⌋ + 1` rows. Positions in the padding read zero for a
/// convolution and are skipped by pooling.
public struct SlidingWindow: Sendable, Hashable, CustomStringConvertible {
    /// Window rows (kh).
    public var height: Int
    /// Window columns (kw).
    public var width: Int
    /// Step between neighbouring windows, the same vertically and horizontally.
    public var stride: Int
    /// Pixels of padding on each of the four sides.
    public var padding: Int

    /// A `height × width` window; `stride` must be positive and `padding` smaller than the window.
    public init(height: Int, width: Int, stride: Int = 1, padding: Int = 0) {
        precondition(height > 0 && width > 0, "a window needs positive dimensions, got \(height)×\(width)")
        precondition(stride > 0, "a window's stride must be positive, got \(stride)")
        precondition(padding >= 0 && padding < height && padding < width,
                     "padding \(padding) must be non-negative and smaller than the \(height)×\(width) window")
        self.height = height
        self.width = width
        self.stride = stride
        self.padding = padding
    }

    /// A square `size × size` window.
    public init(size: Int, stride: Int = 1, padding: Int = 0) {
        self.init(height: size, width: size, stride: stride, padding: padding)
    }

    /// The output's height and width on an input of `input`'s height and width, with `channels`
    /// output channels. The padded input must be at least as large as the window.
    public func outputShape(for input: SpatialShape, channels: Int) -> SpatialShape {
        precondition(input.height + 2 * padding >= height && input.width + 2 * padding >= width,
                     "a \(height)×\(width) window with padding \(padding) does not fit a \(input) input")
        return SpatialShape(height: (input.height + 2 * padding - height) / stride + 1,
                            width: (input.width + 2 * padding - width) / stride + 1,
                            channels: channels)
    }

    /// `5×5/1 pad 2`-style text for messages.
    public var description: String { "\(height)×\(width)/\(stride) pad \(padding)" }
}
