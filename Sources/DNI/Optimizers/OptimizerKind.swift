/// Which optimizer a network's stages and synthesizers use, by name (CLI `--optimizer`).
public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    /// ``SGD`` without momentum.
    case sgd
    /// ``SGD`` with momentum 0.9.
    case momentum
    /// ``Adam`` with the usual constants.
    case adam

    /// A fresh optimizer of this kind with step size `learningRate`.
    public func make(learningRate: Float) -> any Optimizer {
        switch self {
        case .sgd: SGD(learningRate: learningRate)
        case .momentum: SGD(learningRate: learningRate, momentum: 0.9)
        case .adam: Adam(learningRate: learningRate)
        }
    }
}
