/// How the stages of a network get the gradient they learn from.
public enum TrainingMethod: String, Sendable, CaseIterable, Codable {
    /// Backpropagation: forward through every stage, backward through every stage, then update.
    case backprop
    /// Decoupled neural interfaces: every stage updates at once from its synthesizer's ĝ
    /// (Jaderberg et al. 2016).
    case dni
    /// DNI with synthesizers that also see the label (conditioned DNI).
    case cdni
    /// Feedback alignment: backprop through fixed random matrices instead of Wᵀ (Lillicrap et al. 2016).
    case fa
    /// Direct feedback alignment: each hidden stage receives the output error through its own
    /// fixed random matrix (Nøkland 2016).
    case dfa

    /// True for the methods whose stages own a trained synthesizer.
    public var usesSynthesizers: Bool { self == .dni || self == .cdni }

    /// True when the synthesizers read the label.
    public var isConditioned: Bool { self == .cdni }
}
