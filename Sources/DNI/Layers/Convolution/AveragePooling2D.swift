import Linalg

/// Average pooling over NHWC activations, channel by channel: y[n, oy, ox, c] = the mean of
/// x[n, iy, ix, c] over the window's positions inside the input.
///
/// x: `[batch, H·W·C]`, y: `[batch, OH·OW·C]`. Padding positions are left out of the mean
/// (a window of which m positions lie inside divides by m, not by kh·kw — PyTorch's
/// `count_include_pad=False`), so zero padding does not darken the border. Backward spreads
/// each output gradient evenly: ∂ℓ/∂x[inside position] += ∂ℓ/∂y / m. Nothing is saved.
public final class AveragePooling2D: Layer {
    /// The input of one example.
    public let inputShape: SpatialShape
    /// The output of one example, `OH × OW × C`.
    public let outputShape: SpatialShape
    /// The window's size, stride and padding.
    public let window: SlidingWindow
    public var inputSize: Int { inputShape.size }
    public var outputSize: Int { outputShape.size }
    public var parameters: [Parameter] { [] }

    private var output = Matrix.empty
    private var inputGradient = Matrix.empty
    private var savedBatch = 0

    /// Average pooling of `input` with `window`.
    public init(input: SpatialShape, window: SlidingWindow) {
        self.inputShape = input
        self.window = window
        self.outputShape = window.outputShape(for: input, channels: input.channels)
    }

    /// Calls `body(offset within an example, 1/m)` once per in-input position of output pixel
    /// (outputY, outputX)'s window, m being the number of such positions.
    @inline(__always)
    private func forEachPosition(outputY: Int, outputX: Int, _ body: (Int, Float) -> Void) {
        let firstY = outputY * window.stride - window.padding, firstX = outputX * window.stride - window.padding
        let rows = max(0, firstY)..<min(inputShape.height, firstY + window.height)
        let columns = max(0, firstX)..<min(inputShape.width, firstX + window.width)
        let inverseCount = 1 / Float(rows.count * columns.count)
        for inputY in rows {
            for inputX in columns { body((inputY * inputShape.width + inputX) * inputShape.channels, inverseCount) }
        }
    }

    public func makeReplica() -> any Layer { AveragePooling2D(input: inputShape, window: window) }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize,
                     "AveragePooling2D expects \(inputShape) = \(inputSize) features, got \(input.columns)")
        let batch = input.rows
        output.resize(rows: batch, columns: outputSize)
        let channels = inputShape.channels, inputSize = self.inputSize, outputShape = self.outputShape
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for example in 0..<batch {
                    let image = x.baseAddress! + example * inputSize
                    var outputPixel = y.baseAddress! + example * outputShape.size
                    for outputY in 0..<outputShape.height {
                        for outputX in 0..<outputShape.width {
                            let mean = outputPixel
                            for channel in 0..<channels { mean[channel] = 0 }
                            forEachPosition(outputY: outputY, outputX: outputX) { offset, inverseCount in
                                let pixel = image + offset
                                for channel in 0..<channels { mean[channel] += pixel[channel] * inverseCount }
                            }
                            outputPixel += channels
                        }
                    }
                }
            }
        }
        savedBatch = mode == .inference ? 0 : batch
        return output
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        let batch = savedBatch
        precondition(batch > 0 && outputGradient.rows == batch && outputGradient.columns == outputSize,
                     "AveragePooling2D.backward needs a training forward pass and a [\(batch), \(outputSize)] gradient")
        savedBatch = 0
        guard needsInputGradient else { return .empty }
        inputGradient.resize(rows: batch, columns: inputSize)
        inputGradient.fill(0)
        let channels = inputShape.channels, inputSize = self.inputSize, outputShape = self.outputShape
        outputGradient.withUnsafeBufferPointer { g in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                for example in 0..<batch {
                    let image = dx.baseAddress! + example * inputSize
                    var outputPixel = g.baseAddress! + example * outputShape.size
                    for outputY in 0..<outputShape.height {
                        for outputX in 0..<outputShape.width {
                            let gradient = outputPixel
                            forEachPosition(outputY: outputY, outputX: outputX) { offset, inverseCount in
                                let pixel = image + offset
                                for channel in 0..<channels { pixel[channel] += gradient[channel] * inverseCount }
                            }
                            outputPixel += channels
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
