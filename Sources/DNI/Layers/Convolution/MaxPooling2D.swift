import Linalg

/// Max pooling over NHWC activations, channel by channel:
/// y[n, oy, ox, c] = max over the window's positions inside the input of x[n, iy, ix, c],
/// with (iy, ix) = (oy·s − p + ky, ox·s − p + kx). Padding positions never win (they are
/// skipped, as if −∞).
///
/// x: `[batch, H·W·C]`, y: `[batch, OH·OW·C]`. Backward routes each output gradient to the
/// input position that won (the first one on ties): ∂ℓ/∂x[winner] += ∂ℓ/∂y. Forward remembers
/// the winners' indices (one `Int32` per output element, in a buffer the layer reuses).
public final class MaxPooling2D: Layer {
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
    /// For each output element, the index within its example of the input element that won.
    private var winners: [Int32] = []
    private var savedBatch = 0

    /// Max pooling of `input` with `window`.
    public init(input: SpatialShape, window: SlidingWindow) {
        precondition(input.size <= Int(Int32.max), "MaxPooling2D indexes an example with 32-bit integers")
        self.inputShape = input
        self.window = window
        self.outputShape = window.outputShape(for: input, channels: input.channels)
    }

    public func makeReplica() -> any Layer { MaxPooling2D(input: inputShape, window: window) }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize,
                     "MaxPooling2D expects \(inputShape) = \(inputSize) features, got \(input.columns)")
        let batch = input.rows
        output.resize(rows: batch, columns: outputSize)
        if winners.count < batch * outputSize {  // grows only: a smaller batch uses a prefix
            winners = [Int32](repeating: 0, count: batch * outputSize)
        }
        let outputShape = self.outputShape, inputSize = self.inputSize
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                winners.withUnsafeMutableBufferPointer { w in
                    for example in 0..<batch {
                        let image = x.baseAddress! + example * inputSize
                        var outputPixel = example * outputShape.size
                        for outputY in 0..<outputShape.height {
                            for outputX in 0..<outputShape.width {
                                poolPixel(image, outputY: outputY, outputX: outputX,
                                          best: y.baseAddress! + outputPixel, winner: w.baseAddress! + outputPixel)
                                outputPixel += outputShape.channels
                            }
                        }
                    }
                }
            }
        }
        savedBatch = mode == .inference ? 0 : batch
        return output
    }

    /// The maximum over output pixel (outputY, outputX)'s window of each channel of `image`, and
    /// where it was (the first position on ties). Eight channels at a time in SIMD registers,
    /// the window scanned once per block; a scalar loop for the remaining channels.
    @inline(__always)
    private func poolPixel(_ image: UnsafePointer<Float>, outputY: Int, outputX: Int,
                           best: UnsafeMutablePointer<Float>, winner: UnsafeMutablePointer<Int32>) {
        let channels = inputShape.channels
        let firstY = outputY * window.stride - window.padding, firstX = outputX * window.stride - window.padding
        let rows = max(0, firstY)..<min(inputShape.height, firstY + window.height)
        let columns = max(0, firstX)..<min(inputShape.width, firstX + window.width)
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        var block = 0
        while block + 8 <= channels {
            var maximum = SIMD8<Float>(repeating: -.infinity), position = SIMD8<Int32>(repeating: 0)
            for inputY in rows {
                for inputX in columns {
                    let offset = (inputY * inputShape.width + inputX) * channels + block
                    let value = UnsafeRawPointer(image + offset).loadUnaligned(as: SIMD8<Float>.self)
                    let isBetter = value .> maximum
                    maximum.replace(with: value, where: isBetter)
                    position.replace(with: SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: offset)) &+ lanes, where: isBetter)
                }
            }
            UnsafeMutableRawPointer(best + block).storeBytes(of: maximum, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(winner + block).storeBytes(of: position, as: SIMD8<Int32>.self)
            block += 8
        }
        for channel in block..<channels {
            var maximum = -Float.infinity, position: Int32 = 0
            for inputY in rows {
                for inputX in columns {
                    let offset = (inputY * inputShape.width + inputX) * channels + channel
                    if image[offset] > maximum {
                        maximum = image[offset]
                        position = Int32(truncatingIfNeeded: offset)
                    }
                }
            }
            best[channel] = maximum
            winner[channel] = position
        }
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        let batch = savedBatch
        precondition(batch > 0 && outputGradient.rows == batch && outputGradient.columns == outputSize,
                     "MaxPooling2D.backward needs a training forward pass and a [\(batch), \(outputSize)] gradient")
        savedBatch = 0
        guard needsInputGradient else { return .empty }
        inputGradient.resize(rows: batch, columns: inputSize)
        inputGradient.fill(0)
        let inputSize = self.inputSize, outputSize = self.outputSize
        outputGradient.withUnsafeBufferPointer { g in
            winners.withUnsafeBufferPointer { w in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    for example in 0..<batch {
                        let image = dx.baseAddress! + example * inputSize
                        let base = example * outputSize
                        for index in base..<(base + outputSize) { image[Int(w[index])] += g[index] }
                    }
                }
            }
        }
        return inputGradient
    }
}
