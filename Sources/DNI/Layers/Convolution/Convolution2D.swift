import Linalg

/// A 2-D convolution (cross-correlation, as in every deep-learning library) over NHWC
/// activations: y[n, oy, ox, f] = b[f] + Σ_{ky, kx, c} x[n, oy·s − p + ky, ox·s − p + kx, c] ·
/// W[(ky, kx, c), f], or f(·) of that with a fused `activation`.
///
/// x: `[batch, H·W·C]`, y: `[batch, OH·OW·filters]` (NHWC, see ``SpatialShape``),
/// W: `[kh·kw·C, filters]`, b: `[1, filters]`.
///
/// Computed as matrix products on the library's GEMM: with P the im2col patch matrix of x
/// (``ConvolutionPatches``, `[batch·OH·OW, kh·kw·C]`), y = P·W + b. Backward, for per-example
/// output gradients δ (read as `[batch·OH·OW, filters]`): ∂L/∂W = (1/B)·Pᵀ·δ,
/// ∂L/∂b = (1/B)·Σ δ over every output pixel, and ∂ℓ/∂x = col2im(δ·Wᵀ).
///
/// The batch is processed in chunks of whole examples whose patch matrix holds at most
/// `maximumPatchElements` floats, so P never needs the memory of the whole batch (14×14×64
/// inputs with a 5×5 kernel make 1,600 floats per output pixel: 320 MB for a batch of 256).
/// Backward gathers P again chunk by chunk, except for the chunk still in the buffer from
/// forward. The default budget, 2²⁰ floats (4 MB), measured best of 2¹⁸, 2²⁰, 2²¹ and 2²³ on
/// the paper's CNN step (`dni bench conv`, samples per CPU-second: 2²³ was 12% slower).
/// Every buffer is owned by the layer and reused: a warmed-up step allocates nothing.
///
/// With stride 1, a square kernel and at least 8 input channels (the paper's 14×14×64 and
/// 7×7×64 layers), ∂ℓ/∂x is computed instead as a convolution of δ with the flipped kernel,
/// W′[(ky, kx, f), c] = W[(kh−1−ky, kw−1−kx, c), f], padding kh − 1 − p: the same arithmetic as
/// col2im(δ·Wᵀ), but a product with a long inner dimension (kh·kw·filters instead of filters)
/// written straight into the NHWC input gradient, with no `[rows, kh·kw·C]` intermediate and no
/// scatter pass (``transposedPatches``).
public final class Convolution2D: Layer {
    /// The input of one example.
    public let inputShape: SpatialShape
    /// The output of one example: `OH × OW × filters`.
    public let outputShape: SpatialShape
    /// The kernel's size, stride and padding.
    public let window: SlidingWindow
    /// W, `[kh·kw·inputChannels, filters]`, rows ordered (ky, kx, c).
    public let weight: Parameter
    /// b, `[1, filters]`, or nil for a convolution without bias.
    public let bias: Parameter?
    public let parameters: [Parameter]
    /// The nonlinearity applied after the bias, or nil for none.
    public let activation: ActivationFunction?
    /// The kernel that computes the products.
    public let engine: GEMMEngine
    /// The im2col geometry.
    public let patches: ConvolutionPatches
    /// Upper bound on the floats of one chunk's patch matrix (at least one example is taken).
    public let maximumPatchElements: Int
    /// The im2col geometry of δ when the input gradient is computed as a convolution of δ with
    /// the flipped kernel; nil when it is col2im(δ·Wᵀ).
    public let transposedPatches: ConvolutionPatches?

    public var inputSize: Int { inputShape.size }
    public var outputSize: Int { outputShape.size }
    /// Output channels.
    public var filters: Int { outputShape.channels }

    private var output = Matrix.empty
    private var inputGradient = Matrix.empty
    private var savedInput = Matrix.empty
    private var preActivationGradient = Matrix.empty
    private var patchMatrix = Matrix.empty
    /// col2im route: δ·Wᵀ of a chunk; transposed route: the patches of δ of a chunk.
    private var patchGradient = Matrix.empty
    /// W′, `[kh·kw·filters, C]`, for the transposed route.
    private var flippedWeight = Matrix.empty
    /// The examples of `savedInput` whose patches `patchMatrix` holds, if any.
    private var gatheredExamples: Range<Int>?

    /// A convolution of `input` with `filters` kernels placed by `window`; weights drawn from
    /// `initialization` with fan-in `kh·kw·C` and fan-out `filters`, bias zero.
    /// `inputGradientByConvolution` chooses how ∂ℓ/∂x is computed (see the type's
    /// documentation): nil picks the convolution of δ when it applies (stride 1, square kernel,
    /// C ≥ 8), true requires it, false forces col2im.
    public init(input: SpatialShape, filters: Int, window: SlidingWindow, bias: Bool = true,
                initialization: WeightInitialization = .he, activation: ActivationFunction? = nil,
                maximumPatchElements: Int = 1 << 20, inputGradientByConvolution: Bool? = nil,
                generator: inout SeededGenerator, engine: GEMMEngine = .default) {
        precondition(filters > 0, "a convolution needs at least one filter")
        precondition(maximumPatchElements > 0, "maximumPatchElements must be positive")
        self.inputShape = input
        self.window = window
        self.patches = ConvolutionPatches(input: input, window: window)
        self.outputShape = window.outputShape(for: input, channels: filters)
        self.activation = activation
        self.engine = engine
        self.maximumPatchElements = maximumPatchElements
        let convolutionApplies = window.stride == 1 && window.height == window.width
        precondition(inputGradientByConvolution != true || convolutionApplies,
                     "the input gradient is a convolution of δ only for stride 1 and a square kernel")
        if inputGradientByConvolution ?? (convolutionApplies && input.channels >= 8) {
            let transposedWindow = SlidingWindow(size: window.height, stride: 1, padding: window.height - 1 - window.padding)
            let geometry = ConvolutionPatches(input: outputShape, window: transposedWindow)
            precondition(geometry.output.height == input.height && geometry.output.width == input.width,
                         "the transposed convolution must give back the input's size")
            transposedPatches = geometry
        } else {
            transposedPatches = nil
        }
        let patchSize = window.height * window.width * input.channels
        weight = Parameter(name: "weight",
                           value: initialization.matrix(fanIn: patchSize, fanOut: filters, using: &generator))
        self.bias = bias ? Parameter(name: "bias", value: Matrix(rows: 1, columns: filters)) : nil
        parameters = [weight] + (self.bias.map { [$0] } ?? [])
    }

    /// A layer sharing `other`'s parameters and geometry, with buffers of its own.
    private init(replicating other: Convolution2D) {
        inputShape = other.inputShape
        outputShape = other.outputShape
        window = other.window
        weight = other.weight
        bias = other.bias
        parameters = other.parameters
        activation = other.activation
        engine = other.engine
        patches = other.patches
        maximumPatchElements = other.maximumPatchElements
        transposedPatches = other.transposedPatches
    }

    public func makeReplica() -> any Layer { Convolution2D(replicating: self) }

    /// Examples per chunk for a batch of `batch`: as many whole examples as fit in
    /// `maximumPatchElements` patch floats, at least one. The patch matrix of a chunk is
    /// `[examples·OH·OW, kh·kw·C]`, the m × k of the forward product.
    public func examplesPerChunk(batch: Int) -> Int {
        let perExample = patches.rowsPerExample * patches.patchSize
        return max(1, min(batch, maximumPatchElements / max(1, perExample)))
    }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        precondition(input.columns == inputSize,
                     "Convolution2D expects \(inputShape) = \(inputSize) features, got \(input.columns)")
        let batch = input.rows
        output.resize(rows: batch, columns: outputSize)
        let chunk = examplesPerChunk(batch: batch)
        for start in stride(from: 0, to: batch, by: chunk) {
            let examples = start..<min(batch, start + chunk)
            gather(input, examples)
            multiplyPatches(examples)
        }
        applyBiasAndActivation(rows: batch * outputShape.pixelCount)
        savedInput = mode == .inference ? .empty : input
        if mode == .inference { gatheredExamples = nil }
        return output
    }

    /// Writes the patch rows of `examples` of `input` into `patchMatrix`.
    private func gather(_ input: Matrix, _ examples: Range<Int>) {
        patchMatrix.resize(rows: examples.count * patches.rowsPerExample, columns: patches.patchSize)
        let geometry = patches
        input.withUnsafeBufferPointer { source in
            patchMatrix.withUnsafeMutableBufferPointer { destination in
                geometry.gather(source.baseAddress!, examples: examples, into: destination.baseAddress!)
            }
        }
        gatheredExamples = examples
    }

    /// y[rows of examples] = P·W for the patches in `patchMatrix`.
    private func multiplyPatches(_ examples: Range<Int>) {
        let kernel = engine.kernel, filters = self.filters, patchSize = patches.patchSize
        let rows = patchMatrix.rows, firstRow = examples.lowerBound * patches.rowsPerExample
        patchMatrix.withUnsafeBufferPointer { p in
            weight.value.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    kernel.multiply(transposeA: false, transposeB: false, m: rows, n: filters, k: patchSize,
                                    alpha: 1, a: p.baseAddress!, lda: patchSize, b: w.baseAddress!, ldb: filters,
                                    beta: 0, c: y.baseAddress! + firstRow * filters, ldc: filters)
                }
            }
        }
    }

    /// Bias and activation over `output` read as `[rows, filters]` (one pixel per row).
    private func applyBiasAndActivation(rows: Int) {
        let batch = output.rows
        output.reshape(rows: rows, columns: filters)
        switch activation {
        case nil:
            if let bias { output.addRowVector(bias.value) }
        case .sigmoid:
            output.formSigmoid(addingRowVector: bias?.value)
        case .relu:
            output.formRectifiedLinear(addingRowVector: bias?.value)
        case .tanh:
            if let bias { output.addRowVector(bias.value) }
            ActivationFunction.tanh.formActivation(&output)
        }
        output.reshape(rows: batch, columns: outputSize)
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        let batch = savedInput.rows
        precondition(batch > 0 && outputGradient.rows == batch && outputGradient.columns == outputSize,
                     "Convolution2D.backward needs a training forward pass and a [\(batch), \(outputSize)] gradient")
        let scale = 1 / Float(batch)
        let delta: Matrix
        if let activation {
            activation.inputGradient(outputGradient, output: output, into: &preActivationGradient)
            delta = preActivationGradient
        } else {
            delta = outputGradient
        }
        let pixels = outputShape.pixelCount
        if let bias {
            delta.reshaped(rows: batch * pixels, columns: filters).sumRows(scale: scale, into: &bias.gradient)
        }
        let scatters = needsInputGradient && transposedPatches == nil
        if scatters {
            inputGradient.resize(rows: batch, columns: inputSize)
            inputGradient.fill(0)
        }
        // Last chunk first: forward left its patches in the buffer.
        let chunk = examplesPerChunk(batch: batch)
        var isFirst = true
        for start in stride(from: (batch - 1) / chunk * chunk, through: 0, by: -chunk) {
            let examples = start..<min(batch, start + chunk)
            if gatheredExamples != examples { gather(savedInput, examples) }
            accumulateWeightGradient(delta, examples, scale: scale, overwrite: isFirst)
            isFirst = false
            if scatters { scatterInputGradient(delta, examples) }
        }
        if needsInputGradient, let transposedPatches { convolveInputGradient(delta, transposedPatches) }
        savedInput = .empty
        gatheredExamples = nil
        return needsInputGradient ? inputGradient : .empty
    }

    /// ∂ℓ/∂x = δ ⊛ W′ (the flipped kernel), chunk by chunk, straight into `inputGradient`.
    private func convolveInputGradient(_ delta: Matrix, _ geometry: ConvolutionPatches) {
        let batch = delta.rows, channels = inputShape.channels, filters = self.filters
        let kernelHeight = window.height, kernelWidth = window.width
        flippedWeight.resize(rows: kernelHeight * kernelWidth * filters, columns: channels)
        weight.value.withUnsafeBufferPointer { w in
            flippedWeight.withUnsafeMutableBufferPointer { flipped in
                for kernelY in 0..<kernelHeight {
                    for kernelX in 0..<kernelWidth {
                        let sourceRow = ((kernelHeight - 1 - kernelY) * kernelWidth + (kernelWidth - 1 - kernelX)) * channels
                        let destinationRow = (kernelY * kernelWidth + kernelX) * filters
                        for filter in 0..<filters {
                            let destination = flipped.baseAddress! + (destinationRow + filter) * channels
                            for channel in 0..<channels { destination[channel] = w[(sourceRow + channel) * filters + filter] }
                        }
                    }
                }
            }
        }
        inputGradient.resize(rows: batch, columns: inputSize)
        let perExample = geometry.rowsPerExample * geometry.patchSize
        let chunk = max(1, min(batch, maximumPatchElements / max(1, perExample)))
        let kernel = engine.kernel, patchSize = geometry.patchSize, inputSize = self.inputSize
        for start in stride(from: 0, to: batch, by: chunk) {
            let examples = start..<min(batch, start + chunk)
            let rows = examples.count * geometry.rowsPerExample
            patchGradient.resize(rows: rows, columns: patchSize)
            delta.withUnsafeBufferPointer { source in
                patchGradient.withUnsafeMutableBufferPointer { patches in
                    geometry.gather(source.baseAddress!, examples: examples, into: patches.baseAddress!)
                }
            }
            patchGradient.withUnsafeBufferPointer { p in
                flippedWeight.withUnsafeBufferPointer { w in
                    inputGradient.withUnsafeMutableBufferPointer { x in
                        kernel.multiply(transposeA: false, transposeB: false, m: rows, n: channels, k: patchSize,
                                        alpha: 1, a: p.baseAddress!, lda: patchSize, b: w.baseAddress!, ldb: channels,
                                        beta: 0, c: x.baseAddress! + start * inputSize, ldc: channels)
                    }
                }
            }
        }
    }

    /// ∂L/∂W (+)= scale·Pᵀ·δ[rows of examples].
    private func accumulateWeightGradient(_ delta: Matrix, _ examples: Range<Int>, scale: Float, overwrite: Bool) {
        let kernel = engine.kernel, filters = self.filters, patchSize = patches.patchSize
        let rows = patchMatrix.rows, firstRow = examples.lowerBound * patches.rowsPerExample
        patchMatrix.withUnsafeBufferPointer { p in
            delta.withUnsafeBufferPointer { d in
                weight.gradient.withUnsafeMutableBufferPointer { g in
                    kernel.multiply(transposeA: true, transposeB: false, m: patchSize, n: filters, k: rows,
                                    alpha: scale, a: p.baseAddress!, lda: patchSize,
                                    b: d.baseAddress! + firstRow * filters, ldb: filters,
                                    beta: overwrite ? 0 : 1, c: g.baseAddress!, ldc: filters)
                }
            }
        }
    }

    /// ∂ℓ/∂x[examples] += col2im(δ[rows of examples]·Wᵀ).
    private func scatterInputGradient(_ delta: Matrix, _ examples: Range<Int>) {
        let kernel = engine.kernel, filters = self.filters, patchSize = patches.patchSize
        let rows = examples.count * patches.rowsPerExample, firstRow = examples.lowerBound * patches.rowsPerExample
        patchGradient.resize(rows: rows, columns: patchSize)
        delta.withUnsafeBufferPointer { d in
            weight.value.withUnsafeBufferPointer { w in
                patchGradient.withUnsafeMutableBufferPointer { g in
                    kernel.multiply(transposeA: false, transposeB: true, m: rows, n: patchSize, k: filters,
                                    alpha: 1, a: d.baseAddress! + firstRow * filters, lda: filters,
                                    b: w.baseAddress!, ldb: filters,
                                    beta: 0, c: g.baseAddress!, ldc: patchSize)
                }
            }
        }
        let geometry = patches
        patchGradient.withUnsafeBufferPointer { g in
            inputGradient.withUnsafeMutableBufferPointer { x in
                geometry.scatterAdd(g.baseAddress!, examples: examples, into: x.baseAddress!)
            }
        }
    }
}

extension Convolution2D: ForwardStateSaving {
    /// Writes the saved input x (and, with a fused activation, the output backward differentiates
    /// through); the patch buffer is not written: backward gathers it again from x.
    public func saveForwardState(into tree: inout StateTree, path: String) {
        guard savedInput.rows > 0 else { return }
        tree.set("\(path).saved_input", matrix: savedInput)
        if activation != nil { tree.set("\(path).saved_output", matrix: output) }
    }

    public var heldRows: Int? { savedInput.rows }

    public func loadForwardState(from tree: StateTree, path: String) throws(InputError) {
        gatheredExamples = nil
        guard tree.contains("\(path).saved_input") else {
            savedInput = .empty
            return
        }
        let input = try tree.matrix("\(path).saved_input")
        guard input.columns == inputSize else {
            throw InputError("'\(path).saved_input' has \(input.columns) columns, this convolution reads \(inputSize)")
        }
        savedInput = input
        if activation != nil { output = try tree.matrix("\(path).saved_output", rows: input.rows, columns: outputSize) }
    }
}
