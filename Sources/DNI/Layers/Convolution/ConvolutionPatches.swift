/// im2col and its adjoint col2im for one convolution geometry: the rearrangement that turns a
/// convolution into a matrix product (Chellapilla, Puri and Simard 2006).
///
/// For NHWC inputs x of shape `[batch, H·W·C]` (see ``SpatialShape``), the patch matrix P has
/// one row per output pixel (n, oy, ox), in NHWC order, and `kh·kw·C` columns ordered
/// (ky, kx, c): P[(n, oy, ox), (ky, kx, c)] = x[n, oy·s − p + ky, ox·s − p + kx, c], zero in the
/// padding. Then a convolution with weight W `[kh·kw·C, filters]` is `y = P·W`, already NHWC.
///
/// Each (ky, kx) block of a row is `C` contiguous floats of x, so gathering is a copy of whole
/// runs. Scattering adds a patch-matrix gradient back onto the input gradient: it is Pᵀ applied
/// to a vector, so ⟨gather(x), G⟩ = ⟨x, scatter(G)⟩ (a test checks this).
public struct ConvolutionPatches: Sendable, Hashable {
    /// The input of one example.
    public let input: SpatialShape
    /// The kernel's placement.
    public let window: SlidingWindow
    /// Output rows and columns (its `channels` is the input's, unused here).
    public let output: SpatialShape

    /// The patch geometry of `window` on `input`.
    public init(input: SpatialShape, window: SlidingWindow) {
        self.input = input
        self.window = window
        self.output = window.outputShape(for: input, channels: input.channels)
    }

    /// Columns of the patch matrix, `kh·kw·C`.
    public var patchSize: Int { window.height * window.width * input.channels }

    /// Rows of the patch matrix per example: output pixels, `OH·OW`.
    public var rowsPerExample: Int { output.pixelCount }

    /// Writes the patch rows of examples `examples` of `source` (NHWC, `input.size` floats per
    /// example) to `patches`, `examples.count·rowsPerExample` rows of `patchSize` floats.
    public func gather(_ source: UnsafePointer<Float>, examples: Range<Int>, into patches: UnsafeMutablePointer<Float>) {
        let channels = input.channels, stride = window.stride, padding = window.padding
        var row = patches
        for example in examples {
            let image = source + example * input.size
            for outputY in 0..<output.height {
                for outputX in 0..<output.width {
                    for kernelY in 0..<window.height {
                        let inputY = outputY * stride - padding + kernelY
                        let rowInside = inputY >= 0 && inputY < input.height
                        for kernelX in 0..<window.width {
                            let inputX = outputX * stride - padding + kernelX
                            if rowInside && inputX >= 0 && inputX < input.width {
                                let pixel = image + (inputY * input.width + inputX) * channels
                                if channels == 1 { row.pointee = pixel.pointee } else { row.update(from: pixel, count: channels) }
                            } else {
                                row.update(repeating: 0, count: channels)
                            }
                            row += channels
                        }
                    }
                }
            }
        }
    }

    /// Adds the patch-matrix gradient `patchGradient` (laid out as ``gather(_:examples:into:)``
    /// writes) onto `destination`, the NHWC input gradient of the same examples; padding
    /// positions are dropped. `destination` must already hold the values to add to.
    public func scatterAdd(_ patchGradient: UnsafePointer<Float>, examples: Range<Int>,
                           into destination: UnsafeMutablePointer<Float>) {
        let channels = input.channels, stride = window.stride, padding = window.padding
        var row = patchGradient
        for example in examples {
            let image = destination + example * input.size
            for outputY in 0..<output.height {
                for outputX in 0..<output.width {
                    for kernelY in 0..<window.height {
                        let inputY = outputY * stride - padding + kernelY
                        let rowInside = inputY >= 0 && inputY < input.height
                        for kernelX in 0..<window.width {
                            let inputX = outputX * stride - padding + kernelX
                            if rowInside && inputX >= 0 && inputX < input.width {
                                let pixel = image + (inputY * input.width + inputX) * channels
                                for channel in 0..<channels { pixel[channel] += row[channel] }
                            }
                            row += channels
                        }
                    }
                }
            }
        }
    }
}
