/// A layer with state beyond its parameters that training changes and a resumed run must get
/// back: batch normalisation's running mean and variance.
public protocol PersistentLayerState: Layer {
    /// Writes the state at `path` (e.g. `path.running_mean`).
    func saveState(into tree: inout StateTree, path: String)
    /// Reads back what ``saveState(into:path:)`` wrote.
    /// - Throws: ``InputError`` naming the path when it is missing or has another shape.
    func loadState(from tree: StateTree, path: String) throws(InputError)
}

/// A layer whose saved forward state — what its next backward pass needs — can be written and
/// restored: the layers of a synthesizer's batches in flight, which wait across a checkpoint
/// for targets that come one or more steps later (delay K).
public protocol ForwardStateSaving: Layer {
    /// Writes the saved forward state at `path`; nothing when the layer holds none.
    func saveForwardState(into tree: inout StateTree, path: String)
    /// Restores what ``saveForwardState(into:path:)`` wrote (no section: nothing held).
    func loadForwardState(from tree: StateTree, path: String) throws(InputError)
    /// The batch rows of the forward pass whose state the layer holds for its backward pass
    /// (0: none held; nil: the layer's backward needs no saved state).
    var heldRows: Int? { get }
}

extension Sequential {
    /// Writes every layer's parameters (`path.<layer>.<parameter name>`) and persistent state.
    public func saveState(into tree: inout StateTree, path: String) {
        for (index, layer) in layers.enumerated() {
            for parameter in layer.parameters { tree.set("\(path).\(index).\(parameter.name)", matrix: parameter.value) }
            (layer as? any PersistentLayerState)?.saveState(into: &tree, path: "\(path).\(index)")
        }
    }

    /// Reads back what ``saveState(into:path:)`` wrote, in place.
    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        for (index, layer) in layers.enumerated() {
            for parameter in layer.parameters { try tree.load("\(path).\(index).\(parameter.name)", into: &parameter.value) }
            try (layer as? any PersistentLayerState)?.loadState(from: tree, path: "\(path).\(index)")
        }
    }

    /// Writes every layer's saved forward state (see ``ForwardStateSaving``).
    /// - Precondition: every layer can (the synthesizers' layers: dense and batch norm).
    func saveForwardState(into tree: inout StateTree, path: String) {
        for (index, layer) in layers.enumerated() {
            guard let saving = layer as? any ForwardStateSaving else {
                preconditionFailure("\(type(of: layer)) cannot save a batch in flight")
            }
            saving.saveForwardState(into: &tree, path: "\(path).\(index)")
        }
    }

    /// Restores every layer's saved forward state, which each must hold for a batch of `rows`
    /// rows (a batch in flight).
    func loadForwardState(from tree: StateTree, path: String, rows: Int) throws(InputError) {
        for (index, layer) in layers.enumerated() {
            guard let saving = layer as? any ForwardStateSaving else {
                throw InputError("'\(path).\(index)': \(type(of: layer)) cannot restore a batch in flight")
            }
            try saving.loadForwardState(from: tree, path: "\(path).\(index)")
            guard saving.heldRows.map({ $0 == rows }) ?? true else {
                throw InputError("'\(path).\(index)' holds no saved forward state for a batch of \(rows) rows")
            }
        }
    }

    /// True when every layer can save a batch in flight.
    var savesForwardState: Bool { layers.allSatisfy { $0 is any ForwardStateSaving } }
}
