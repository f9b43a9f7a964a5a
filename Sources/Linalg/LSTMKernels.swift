import CLinalgKernels

/// The element-wise halves of an LSTM step over raw row-major blocks (the formulas are in
/// `Sources/CLinalgKernels/LSTM.c`): an 8-lane AVX2/FMA pass per row when the CPU has it,
/// plain C otherwise, chosen at run time like the GEMM microkernel.
///
/// Gates are `rows × 4H` in blocks `[i | f | o | g]`; every other operand is `rows × H` with
/// the given row stride (so h and c can live side by side in one `[h | c]` state row).
public enum LSTMKernels {
    /// Forward: gates ← activated σ/tanh of (gates + bias); c = f⊙c₋ + i⊙g; h = o⊙tanh c.
    /// Writes c into `cell`, tanh c into `tanhCell` (stride H), h into `hidden` and, when given,
    /// into `output` too.
    public static func forward(
        rows: Int, hiddenSize: Int, gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
        previousCell: UnsafePointer<Float>, previousCellStride: Int,
        cell: UnsafeMutablePointer<Float>, cellStride: Int, tanhCell: UnsafeMutablePointer<Float>,
        hidden: UnsafeMutablePointer<Float>, hiddenStride: Int,
        output: UnsafeMutablePointer<Float>?, outputStride: Int,
        instructionSet: GEMMInstructionSet = .best
    ) {
        precondition(instructionSet.isSupported, "this CPU cannot run \(instructionSet.rawValue) kernels")
        dni_lstm_forward(instructionSet.cValue, Int64(rows), Int64(hiddenSize), gates, bias,
                         previousCell, Int64(previousCellStride), cell, Int64(cellStride), tanhCell,
                         hidden, Int64(hiddenStride), output, Int64(outputStride))
    }

    /// Backward: from dh = `hiddenGradient` (+ `outputGradient` when given) and dc′ =
    /// `cellGradient`, writes ∂ℓ/∂(pre-activation gates) into `gateGradient` (stride 4H) and
    /// dc₋ = dc ⊙ f into `previousCellGradient`.
    public static func backward(
        rows: Int, hiddenSize: Int, gates: UnsafePointer<Float>, tanhCell: UnsafePointer<Float>,
        previousCell: UnsafePointer<Float>, previousCellStride: Int,
        outputGradient: UnsafePointer<Float>?, outputGradientStride: Int,
        hiddenGradient: UnsafePointer<Float>, hiddenGradientStride: Int,
        cellGradient: UnsafePointer<Float>, cellGradientStride: Int,
        gateGradient: UnsafeMutablePointer<Float>,
        previousCellGradient: UnsafeMutablePointer<Float>, previousCellGradientStride: Int,
        instructionSet: GEMMInstructionSet = .best
    ) {
        precondition(instructionSet.isSupported, "this CPU cannot run \(instructionSet.rawValue) kernels")
        dni_lstm_backward(instructionSet.cValue, Int64(rows), Int64(hiddenSize), gates, tanhCell,
                          previousCell, Int64(previousCellStride), outputGradient, Int64(outputGradientStride),
                          hiddenGradient, Int64(hiddenGradientStride), cellGradient, Int64(cellGradientStride),
                          gateGradient, previousCellGradient, Int64(previousCellGradientStride))
    }
}
