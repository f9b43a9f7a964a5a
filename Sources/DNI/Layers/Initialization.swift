import Linalg

/// How a weight matrix of shape `[fanIn, fanOut]` is initialised.
public enum WeightInitialization: Sendable, Equatable {
    /// All zeros (the paper's choice for a synthesizer's last layer: training starts with ĝ = 0).
    case zeros
    /// Normal with the given standard deviation.
    case normal(standardDeviation: Float)
    /// Uniform in `[lower, upper)`; the post uses `2·U[0,1) − 1` for its synthetic weights.
    case uniform(lower: Float, upper: Float)
    /// Glorot/Xavier uniform: U(−a, a), a = √(6 / (fanIn + fanOut)) (Glorot and Bengio 2010).
    case glorot
    /// He normal: N(0, 2 / fanIn), for ReLU layers (He et al. 2015).
    case he

    /// A `[fanIn, fanOut]` matrix drawn from this distribution.
    public func matrix(fanIn: Int, fanOut: Int, using generator: inout SeededGenerator) -> Matrix {
        switch self {
        case .zeros:
            return Matrix(rows: fanIn, columns: fanOut)
        case .normal(let standardDeviation):
            return .randomNormal(rows: fanIn, columns: fanOut, standardDeviation: standardDeviation, using: &generator)
        case .uniform(let lower, let upper):
            return .randomUniform(rows: fanIn, columns: fanOut, lower: lower, upper: upper, using: &generator)
        case .glorot:
            let limit = (6 / Float(max(1, fanIn + fanOut))).squareRoot()
            return .randomUniform(rows: fanIn, columns: fanOut, lower: -limit, upper: limit, using: &generator)
        case .he:
            let standardDeviation = (2 / Float(max(1, fanIn))).squareRoot()
            return .randomNormal(rows: fanIn, columns: fanOut, standardDeviation: standardDeviation, using: &generator)
        }
    }
}
