/// Updates parameters from their gradients: θ ← θ − step(∂L/∂θ). Gradient *descent*.
///
/// An optimizer instance serves one fixed list of parameters (one stage, or one synthesizer)
/// and keeps any per-parameter state (momentum, moment estimates) in the same order.
public protocol Optimizer: AnyObject {
    /// The step size; a schedule may change it between steps.
    var learningRate: Float { get set }

    /// Applies one update to each parameter from its `gradient`.
    func update(_ parameters: [Parameter])

    /// Writes everything the optimizer carries from step to step (step size, step count,
    /// moments) at `path` of a checkpoint's state tree.
    func saveState(into tree: inout StateTree, path: String)

    /// Reads back what ``saveState(into:path:)`` wrote for an optimizer of `parameters`.
    /// - Throws: ``InputError`` naming the path when a section is missing or has another shape.
    func loadState(from tree: StateTree, path: String, parameters: [Parameter]) throws(InputError)
}
