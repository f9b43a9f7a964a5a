import Linalg

/// A long short-term memory cell (Hochreiter and Schmidhuber 1997; forget gate: Gers et al. 2000)
/// with one fused gate product per step:
///
/// z_t = [x_t, h_{t−1}]  (`[B, I+H]`),  a = z_t·W + b  (W: `[I+H, 4H]`, b: `[1, 4H]`)
/// i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g);  c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
///
/// The gate blocks are ordered `[i | f | o | g]`; b starts at 0 except the forget block, at 1
/// (Gers et al. 2000), so the cell remembers by default. W starts U(−1/√H, 1/√H). The state row is
/// `[h | c]` (stateSize 2H) and the output y_t = h_t (outputSize H).
///
/// Backward through time (per step, for dh = dy_t + ∂ℓ/∂h_t and dc′ = ∂ℓ/∂c_t from the step after)
/// runs the element-wise part in one pass per row (``LSTMKernels``), then
/// ∂ℓ/∂z_t = da·Wᵀ, split into ∂ℓ/∂x_t and ∂ℓ/∂h_{t−1}. The weight gradient of the whole window is
/// one product, ∂L/∂W = (1/(T·B))·Zᵀ·dA over the stacked rows of every step.
public final class LSTM: RecurrentCell {
    public let inputSize: Int
    /// H, the number of units.
    public let hiddenSize: Int
    public var outputSize: Int { hiddenSize }
    public var stateSize: Int { 2 * hiddenSize }
    /// W, `[inputSize + hiddenSize, 4·hiddenSize]`, gate blocks `[i | f | o | g]`.
    public let weight: Parameter
    /// b, `[1, 4·hiddenSize]`.
    public let bias: Parameter
    public let parameters: [Parameter]
    /// The kernel that computes the products.
    public let engine: GEMMEngine
    /// The instruction set of the element-wise kernels (tests force `.portable`).
    public let instructionSet: GEMMInstructionSet

    public private(set) var outputs = Matrix.empty
    public private(set) var inputGradients = Matrix.empty
    /// `[T·B, I+H]`: z_t per step.
    private var concatenated = Matrix.empty
    /// `[T·B, 4H]`: activated gates per step.
    private var gates = Matrix.empty
    /// `[T·B, H]`: c_{t−1} per step.
    private var previousCells = Matrix.empty
    /// `[T·B, H]`: tanh c_t per step.
    private var tanhCells = Matrix.empty
    /// `[T·B, 4H]`: ∂ℓ/∂a per step.
    private var gateGradients = Matrix.empty
    private var batch = 0
    /// W packed once per window at step 0 for every step's z_t·W (``RecurrentCell`` lets the
    /// parameters change only between windows).
    private let packedWeight = PackedGEMMOperand()
    /// W_hᵀ packed at the window's first backward step for every step's da·W_hᵀ.
    private let packedHiddenWeightTransposed = PackedGEMMOperand()
    private var hiddenWeightTransposedIsPacked = false

    /// A cell with `hiddenSize` units reading `inputSize` features per step.
    public init(inputSize: Int, hiddenSize: Int, generator: inout SeededGenerator,
                engine: GEMMEngine = .default, instructionSet: GEMMInstructionSet = .best) {
        precondition(inputSize >= 1 && hiddenSize >= 1, "LSTM sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.engine = engine
        self.instructionSet = instructionSet
        let limit = 1 / Float(hiddenSize).squareRoot()
        weight = Parameter(name: "weight", value: .randomUniform(
            rows: inputSize + hiddenSize, columns: 4 * hiddenSize, lower: -limit, upper: limit, using: &generator))
        var initialBias = Matrix(rows: 1, columns: 4 * hiddenSize)
        for j in hiddenSize..<(2 * hiddenSize) { initialBias[0, j] = 1 }
        bias = Parameter(name: "bias", value: initialBias)
        parameters = [weight, bias]
    }

    public func prepareWindow(steps: Int, batch: Int) {
        precondition(steps >= 1 && batch >= 1, "a window needs at least one step and one row")
        self.batch = batch
        let rows = steps * batch, hidden = hiddenSize
        concatenated.resize(rows: rows, columns: inputSize + hidden)
        gates.resize(rows: rows, columns: 4 * hidden)
        previousCells.resize(rows: rows, columns: hidden)
        tanhCells.resize(rows: rows, columns: hidden)
        gateGradients.resize(rows: rows, columns: 4 * hidden)
        outputs.resize(rows: rows, columns: hidden)
        inputGradients.resize(rows: rows, columns: inputSize)
    }

    public func forward(step: Int, inputs: Matrix, state: Matrix, nextState: inout Matrix) {
        let batch = self.batch, hidden = hiddenSize, input = inputSize, width = input + hidden
        precondition(state.rows == batch && state.columns == 2 * hidden, "LSTM state must be [\(batch), \(2 * hidden)]")
        precondition(inputs.columns == input && (step + 1) * batch <= inputs.rows && (step + 1) * batch <= gates.rows,
                     "LSTM.forward: step \(step) is outside the prepared window or the inputs")
        nextState.resize(rows: batch, columns: 2 * hidden)
        let first = step * batch
        // z_t = [x_t, h_{t−1}] and c_{t−1}, saved for backward.
        inputs.withUnsafeBufferPointer { x in
            state.withUnsafeBufferPointer { s in
                concatenated.withUnsafeMutableBufferPointer { z in
                    previousCells.withUnsafeMutableBufferPointer { cp in
                        for r in 0..<batch {
                            let zRow = z.baseAddress! + (first + r) * width
                            zRow.update(from: x.baseAddress! + (first + r) * input, count: input)
                            (zRow + input).update(from: s.baseAddress! + r * 2 * hidden, count: hidden)
                            (cp.baseAddress! + (first + r) * hidden).update(from: s.baseAddress! + r * 2 * hidden + hidden, count: hidden)
                        }
                    }
                }
            }
        }
        // a = z_t·W (W packed once per window), then the gates, c_t and h_t in one pass per row.
        concatenated.withUnsafeBufferPointer { z in
            weight.value.withUnsafeBufferPointer { w in
                if step == 0 {
                    engine.pack(k: width, n: 4 * hidden, b: w.baseAddress!, ldb: 4 * hidden, into: packedWeight)
                    hiddenWeightTransposedIsPacked = false
                }
                gates.withUnsafeMutableBufferPointer { a in
                    engine.multiplyBlocks(m: batch, a: z.baseAddress! + first * width, lda: width,
                                          packed: packedWeight, b: w.baseAddress!, ldb: 4 * hidden,
                                          c: a.baseAddress! + first * 4 * hidden, ldc: 4 * hidden)
                }
            }
        }
        let instructionSet = self.instructionSet
        bias.value.withUnsafeBufferPointer { b in
            previousCells.withUnsafeBufferPointer { cp in
                gates.withUnsafeMutableBufferPointer { a in
                    tanhCells.withUnsafeMutableBufferPointer { tc in
                        outputs.withUnsafeMutableBufferPointer { y in
                            nextState.withUnsafeMutableBufferPointer { s in
                                LSTMKernels.forward(
                                    rows: batch, hiddenSize: hidden, gates: a.baseAddress! + first * 4 * hidden,
                                    bias: b.baseAddress!,
                                    previousCell: cp.baseAddress! + first * hidden, previousCellStride: hidden,
                                    cell: s.baseAddress! + hidden, cellStride: 2 * hidden,
                                    tanhCell: tc.baseAddress! + first * hidden,
                                    hidden: s.baseAddress!, hiddenStride: 2 * hidden,
                                    output: y.baseAddress! + first * hidden, outputStride: hidden,
                                    instructionSet: instructionSet)
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(step: Int, outputGradients: Matrix, nextStateGradient: Matrix,
                         stateGradient: inout Matrix, needsStateGradient: Bool, needsInputGradient: Bool) {
        let batch = self.batch, hidden = hiddenSize, input = inputSize
        precondition(nextStateGradient.rows == batch && nextStateGradient.columns == 2 * hidden,
                     "LSTM.backward: the state gradient must be [\(batch), \(2 * hidden)]")
        precondition(outputGradients.columns == hidden && (step + 1) * batch <= outputGradients.rows,
                     "LSTM.backward: the output gradients must hold step \(step)")
        stateGradient.resize(rows: batch, columns: 2 * hidden)
        let first = step * batch
        let instructionSet = self.instructionSet
        gates.withUnsafeBufferPointer { a in
            tanhCells.withUnsafeBufferPointer { tc in
                previousCells.withUnsafeBufferPointer { cp in
                    outputGradients.withUnsafeBufferPointer { dy in
                        nextStateGradient.withUnsafeBufferPointer { ds in
                            gateGradients.withUnsafeMutableBufferPointer { da in
                                stateGradient.withUnsafeMutableBufferPointer { dsPrevious in
                                    LSTMKernels.backward(
                                        rows: batch, hiddenSize: hidden, gates: a.baseAddress! + first * 4 * hidden,
                                        tanhCell: tc.baseAddress! + first * hidden,
                                        previousCell: cp.baseAddress! + first * hidden, previousCellStride: hidden,
                                        outputGradient: dy.baseAddress! + first * hidden, outputGradientStride: hidden,
                                        hiddenGradient: ds.baseAddress!, hiddenGradientStride: 2 * hidden,
                                        cellGradient: ds.baseAddress! + hidden, cellGradientStride: 2 * hidden,
                                        gateGradient: da.baseAddress! + first * 4 * hidden,
                                        previousCellGradient: dsPrevious.baseAddress! + hidden,
                                        previousCellGradientStride: 2 * hidden,
                                        instructionSet: instructionSet)
                                }
                            }
                        }
                    }
                }
            }
        }
        // ∂ℓ/∂h_{t−1} = da·W_hᵀ (W_h: rows I..<I+H of W), written beside dc_{t−1}; ∂ℓ/∂x_t = da·W_xᵀ.
        gateGradients.withUnsafeBufferPointer { da in
            weight.value.withUnsafeBufferPointer { w in
                if needsStateGradient {
                    let hiddenWeight = w.baseAddress! + input * 4 * hidden
                    if !hiddenWeightTransposedIsPacked {
                        engine.pack(transposeB: true, k: 4 * hidden, n: hidden, b: hiddenWeight, ldb: 4 * hidden,
                                    into: packedHiddenWeightTransposed)
                        hiddenWeightTransposedIsPacked = true
                    }
                    stateGradient.withUnsafeMutableBufferPointer { dsPrevious in
                        engine.multiplyBlocks(m: batch, a: da.baseAddress! + first * 4 * hidden, lda: 4 * hidden,
                                              packed: packedHiddenWeightTransposed, b: hiddenWeight, ldb: 4 * hidden,
                                              c: dsPrevious.baseAddress!, ldc: 2 * hidden)
                    }
                }
                if needsInputGradient {
                    inputGradients.withUnsafeMutableBufferPointer { dx in
                        engine.multiplyBlocks(transposeB: true, m: batch, n: input, k: 4 * hidden,
                                              a: da.baseAddress! + first * 4 * hidden, lda: 4 * hidden,
                                              b: w.baseAddress!, ldb: 4 * hidden,
                                              c: dx.baseAddress! + first * input, ldc: input)
                    }
                }
            }
        }
    }

    public func finishBackward(steps: Int) {
        let rows = steps * batch, hidden = hiddenSize, width = inputSize + hidden
        precondition(rows >= 1 && rows <= gateGradients.rows, "LSTM.finishBackward: \(steps) steps were not prepared")
        let scale = 1 / Float(rows)
        // ∂L/∂W = (1/(T·B))·Zᵀ·dA over the stacked steps: one product for the window.
        concatenated.withUnsafeBufferPointer { z in
            gateGradients.withUnsafeBufferPointer { da in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    engine.multiplyBlocks(transposeA: true, m: width, n: 4 * hidden, k: rows, alpha: scale,
                                          a: z.baseAddress!, lda: width, b: da.baseAddress!, ldb: 4 * hidden,
                                          c: dw.baseAddress!, ldc: 4 * hidden)
                }
                bias.gradient.withUnsafeMutableBufferPointer { db in
                    for j in 0..<(4 * hidden) { db[j] = 0 }
                    for r in 0..<rows {
                        let row = da.baseAddress! + r * 4 * hidden
                        for j in 0..<(4 * hidden) { db[j] += row[j] }
                    }
                    for j in 0..<(4 * hidden) { db[j] *= scale }
                }
            }
        }
    }

    public func diagnostics(state: Matrix, steps: Int) -> RecurrentCellDiagnostics {
        let hidden = hiddenSize, batch = state.rows
        var normSum = 0.0
        state.withUnsafeBufferPointer { s in
            for r in 0..<batch {
                var squares = 0.0
                for j in 0..<hidden { let c = Double(s[r * 2 * hidden + hidden + j]); squares += c * c }
                normSum += squares.squareRoot()
            }
        }
        let rows = min(steps * self.batch, gates.rows)
        var saturated = 0
        gates.withUnsafeBufferPointer { a in
            for r in 0..<rows {
                for j in hidden..<(2 * hidden) where a[r * 4 * hidden + j] > 0.99 { saturated += 1 }
            }
        }
        return RecurrentCellDiagnostics(
            meanCellNorm: batch > 0 ? normSum / Double(batch) : nil,
            saturatedForgetFraction: rows > 0 ? Double(saturated) / Double(rows * hidden) : nil)
    }
}
