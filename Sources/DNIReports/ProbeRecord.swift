/// One synthetic-gradient quality probe: at training step `step`, how well the synthetic gradient
/// ĝᵢ = Mᵢ(hᵢ) of stage `stage` matched the true gradient ∂L/∂hᵢ at that stage's output
/// (Jaderberg et al. 2016, arXiv:1608.05343, §3). Written as
/// `{"event":"probe","epoch":2,"step":1200,"stage":1,"cosine":0.61,"norm_ratio":0.8,"synthesizer_loss":0.003}`.
public struct ProbeRecord: Sendable, Equatable {
    /// The epoch the probe was taken in, when written.
    public var epoch: Int?
    /// The training step (batch counter) the probe was taken at.
    public var step: Int
    /// The stage whose output gradient was probed.
    public var stage: Int
    /// cos(ĝ, g) = ĝ·g / (‖ĝ‖‖g‖), in [−1, 1].
    public var cosine: Double
    /// ‖ĝ‖ / ‖g‖, when written.
    public var normRatio: Double?
    /// The synthesizer's regression loss ‖ĝ − target‖², when written.
    public var synthesizerLoss: Double?

    /// A probe record; the step, the stage and the cosine are required.
    public init(
        epoch: Int? = nil,
        step: Int,
        stage: Int,
        cosine: Double,
        normRatio: Double? = nil,
        synthesizerLoss: Double? = nil
    ) {
        self.epoch = epoch
        self.step = step
        self.stage = stage
        self.cosine = cosine
        self.normRatio = normRatio
        self.synthesizerLoss = synthesizerLoss
    }
}
