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

    /// The kernel columns `kx` whose input column `firstX + kx` lies inside the input.
    @inline(__always)
    private func insideColumns(firstX: Int) -> Range<Int> {
        max(0, -firstX)..<min(window.width, input.width - firstX)
    }

    /// Writes the patch rows of examples `examples` of `source` (NHWC, `input.size` floats per
    /// example) to `patches`, `examples.count·rowsPerExample` rows of `patchSize` floats.
    ///
    /// One kernel row of a patch is one contiguous run of the input (the pixels
    /// (iy, ix…ix + kw − 1) with all their channels, NHWC), so each kernel row is one copy of its
    /// inside part between zero fills for the padding.
    public func gather(_ source: UnsafePointer<Float>, examples: Range<Int>, into patches: UnsafeMutablePointer<Float>) {
        let channels = input.channels, stride = window.stride, padding = window.padding
        let kernelRowSize = window.width * channels
        var row = patches
        for example in examples {
            let image = source + example * input.size
            for outputY in 0..<output.height {
                for outputX in 0..<output.width {
                    let firstX = outputX * stride - padding
                    let inside = insideColumns(firstX: firstX)
                    for kernelY in 0..<window.height {
                        let inputY = outputY * stride - padding + kernelY
                        if inputY >= 0 && inputY < input.height && !inside.isEmpty {
                            row.update(repeating: 0, count: inside.lowerBound * channels)
                            let run = image + (inputY * input.width + firstX + inside.lowerBound) * channels
                            (row + inside.lowerBound * channels).update(from: run, count: inside.count * channels)
                            (row + inside.upperBound * channels).update(repeating: 0, count: (window.width - inside.upperBound) * channels)
                        } else {
                            row.update(repeating: 0, count: kernelRowSize)
                        }
                        row += kernelRowSize
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
        let kernelRowSize = window.width * channels
        var row = patchGradient
        for example in examples {
            let image = destination + example * input.size
            for outputY in 0..<output.height {
                for outputX in 0..<output.width {
                    let firstX = outputX * stride - padding
                    let inside = insideColumns(firstX: firstX)
                    for kernelY in 0..<window.height {
                        let inputY = outputY * stride - padding + kernelY
                        if inputY >= 0 && inputY < input.height && !inside.isEmpty {
                            let run = image + (inputY * input.width + firstX + inside.lowerBound) * channels
                            let gradient = row + inside.lowerBound * channels
                            for index in 0..<(inside.count * channels) { run[index] += gradient[index] }
                        }
                        row += kernelRowSize
                    }
                }
            }
        }
    }
}
