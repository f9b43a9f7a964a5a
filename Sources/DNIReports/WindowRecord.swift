/// The running metrics of a recurrent run after some training windows, as `dni train --json`
/// writes them for `--task copy|repeat-copy|text`:
/// `{"event":"report","window":500,"train_loss":0.41,…,"curriculum_length":3,"max_length_solved":2}`.
public struct WindowRecord: Sendable, Equatable {
    /// Training windows done (each T steps of every stream).
    public var window: Int
    /// The line's numeric fields (`train_loss`, `curriculum_length`, `max_length_solved`…), keyed
    /// by their JSON names.
    public var fields: [String: Double]

    /// A record after `window` windows.
    public init(window: Int, fields: [String: Double]) {
        self.window = window
        self.fields = fields
    }
}
