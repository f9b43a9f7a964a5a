import Linalg

/// Layers applied one after another: `y = f_n(… f_2(f_1(x)))`; backward runs them in reverse.
public final class Sequential: Layer {
    /// The layers, input side first.
    public let layers: [any Layer]
    public let parameters: [Parameter]

    /// A stack of `layers`; each layer's input size must equal the previous one's output size.
    public init(_ layers: [any Layer]) {
        precondition(!layers.isEmpty, "Sequential needs at least one layer")
        for (lower, upper) in zip(layers, layers.dropFirst()) {
            precondition(lower.outputSize == upper.inputSize,
                         "Sequential: a layer with \(lower.outputSize) outputs feeds one with \(upper.inputSize) inputs")
        }
        self.layers = layers
        self.parameters = layers.flatMap(\.parameters)
    }

    /// A stack of replicas of these layers (see ``Layer/makeReplica()``).
    public func makeReplica() -> any Layer { replica() }

    /// ``makeReplica()`` with its concrete type.
    public func replica() -> Sequential { Sequential(layers.map { $0.makeReplica() }) }

    public var inputSize: Int { layers[0].inputSize }
    public var outputSize: Int { layers[layers.count - 1].outputSize }

    public func forward(_ input: Matrix, mode: ForwardMode) -> Matrix {
        var activation = input
        for layer in layers { activation = layer.forward(activation, mode: mode) }
        return activation
    }

    public func backward(_ outputGradient: Matrix, needsInputGradient: Bool) -> Matrix {
        var gradient = outputGradient
        for index in layers.indices.reversed() {
            gradient = layers[index].backward(gradient, needsInputGradient: index > 0 || needsInputGradient)
        }
        return gradient
    }
}
