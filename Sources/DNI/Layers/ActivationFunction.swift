import Linalg

/// An element-wise nonlinearity.
public enum ActivationFunction: String, Sendable, CaseIterable {
    /// σ(x) = 1 / (1 + e^(−x)); σ′ = y(1 − y). The post's only nonlinearity.
    case sigmoid
    /// max(0, x); derivative 1 where y > 0.
    case relu
    /// tanh(x); derivative 1 − y².
    case tanh
}

extension ActivationFunction {
    /// `matrix = f(matrix)` element by element, in place.
    func formActivation(_ matrix: inout Matrix) {
        switch self {
        case .sigmoid: matrix.formSigmoid()
        case .relu: matrix.formRectifiedLinear(addingRowVector: nil)
        case .tanh:
            matrix.withUnsafeMutableBufferPointer { y in
                for i in y.indices { y[i] = hyperbolicTangent(y[i]) }
            }
        }
    }

    /// `result = ∂ℓ/∂y ⊙ f′`, with f′ computed from the saved output y = f(x):
    /// the gradient with respect to the activation's input.
    func inputGradient(_ outputGradient: Matrix, output: Matrix, into result: inout Matrix) {
        switch self {
        case .sigmoid: outputGradient.zip(output, into: &result) { g, y in g * y * (1 - y) }
        case .relu: outputGradient.zip(output, into: &result) { g, y in y > 0 ? g : 0 }
        case .tanh: outputGradient.zip(output, into: &result) { g, y in g * (1 - y * y) }
        }
    }
}
