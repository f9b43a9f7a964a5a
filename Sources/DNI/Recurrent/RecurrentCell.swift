import Linalg

/// One step of a recurrent core, with a hand-written backward through time:
/// (y_t, s_{t+1}) = cell(x_t, s_t), for a window of T steps of B rows
/// (Jaderberg et al. 2016, arXiv:1608.05343, §3.1: the core unrolled over a truncation window).
///
/// Layout: the window's inputs are one `[T·B, inputSize]` matrix whose row block t (rows
/// t·B ..< (t+1)·B) is x_t; the cell writes y_t into block t of its own ``outputs``. A state is
/// one `[B, stateSize]` matrix (an LSTM keeps `[h | c]` side by side), so the caller can carry it
/// across windows and a synthesizer can read it as one matrix.
///
/// Gradient conventions, as for ``Layer``: activation and state gradients are per example
/// (∂ℓ/∂y, ∂ℓ/∂s for a loss Σ ℓ over the rows), and parameter gradients are means over the
/// window's T·B rows, so a window's objective is L = (1/(T·B)) Σ_{t,n} ℓ_{t,n}.
///
/// The cell saves what backward needs per step in buffers sized by ``prepareWindow(steps:batch:)``,
/// which allocates only when a window is larger than any before: a warmed-up window allocates
/// nothing. A GRU or a vanilla RNN conforms by choosing its state layout.
public protocol RecurrentCell: AnyObject {
    /// Features of each step's input x_t.
    var inputSize: Int { get }
    /// Features of each step's output y_t.
    var outputSize: Int { get }
    /// Columns of a state row s_t.
    var stateSize: Int { get }
    /// The trainable parameters, in a fixed order.
    var parameters: [Parameter] { get }
    /// `[T·B, outputSize]`: block t holds y_t after `forward(step: t, …)`.
    var outputs: Matrix { get }
    /// `[T·B, inputSize]`: block t holds ∂ℓ/∂x_t after a `backward(step: t, …)` that asked for it.
    var inputGradients: Matrix { get }

    /// Sizes the per-step buffers for windows of `steps` steps of `batch` rows.
    func prepareWindow(steps: Int, batch: Int)

    /// Step t: reads x_t (block t of `inputs`) and s_t (`state`, `[B, stateSize]`), writes
    /// s_{t+1} into `nextState` (resized to `[B, stateSize]`) and y_t into block t of ``outputs``,
    /// and saves what ``backward(step:outputGradients:nextStateGradient:stateGradient:needsStateGradient:needsInputGradient:)``
    /// of step t needs.
    ///
    /// Step 0 begins a window: until the next step 0 the cell may reuse work derived from its
    /// parameters (an LSTM packs W once for the window's products), so parameters change only
    /// between windows — after the window's backward and before its next step 0.
    func forward(step: Int, inputs: Matrix, state: Matrix, nextState: inout Matrix)

    /// Backward of step t, called for t = T−1 down to 0 after the forward steps: given
    /// dy_t = block t of `outputGradients` (`[T·B, outputSize]`) and dstate′ = ∂ℓ/∂s_{t+1}
    /// (`nextStateGradient`, `[B, stateSize]`), writes ∂ℓ/∂s_t into `stateGradient` — unless
    /// `needsStateGradient` is false (step 0 of plain truncated BPTT, whose ∂ℓ/∂s₀ nobody reads;
    /// then `stateGradient`'s contents are unspecified) — and, when `needsInputGradient`, ∂ℓ/∂x_t
    /// into block t of ``inputGradients``. Parameter gradients are written by
    /// ``finishBackward(steps:)``.
    func backward(step: Int, outputGradients: Matrix, nextStateGradient: Matrix,
                  stateGradient: inout Matrix, needsStateGradient: Bool, needsInputGradient: Bool)

    /// Writes every parameter's gradient, (1/(T·B)) Σ over the window's steps, from the saved
    /// steps 0..<`steps` after their backward ran.
    func finishBackward(steps: Int)

    /// Health of the last window's steps, for probes: mean ‖c‖ of `state` and the fraction of
    /// saturated forget gates (nil where the cell has no such thing).
    func diagnostics(state: Matrix, steps: Int) -> RecurrentCellDiagnostics
}

/// What a probe reports about a cell's state (Jaderberg et al. 2016 do not; the PyTorch
/// trial showed DNI diverging through an exploding cell state with saturated forget gates).
public struct RecurrentCellDiagnostics: Sendable, Equatable {
    /// Mean over the batch of ‖c‖ (the cell state's Euclidean norm per row), or nil.
    public var meanCellNorm: Double?
    /// Fraction of forget-gate activations above 0.99 over the window, or nil.
    public var saturatedForgetFraction: Double?

    /// Diagnostics with the given values.
    public init(meanCellNorm: Double? = nil, saturatedForgetFraction: Double? = nil) {
        self.meanCellNorm = meanCellNorm
        self.saturatedForgetFraction = saturatedForgetFraction
    }
}
