import Linalg

/// A control experiment for recurrent DNI (`--synthetic-gradient-noise`): the gradient injected
/// at a window's last state keeps each stream's norm, λ‖ĝₙ‖, but points in a random direction,
/// uniform on the sphere and drawn afresh every window. Everything else is DNI's: the
/// synthesizer predicts and learns toward its bootstrapped targets, so the injected norm follows
/// what DNI would inject. If DNI's gain over truncated BPTT survives this, it does not come from
/// ĝ's direction, i.e. from predicting the future gradient.
///
/// Window w's directions come from `SeededGenerator(seed: seed, stream: w)`, w counting every
/// window the network trained (warm-up included), so a run resumed from a checkpoint that holds
/// the count draws the same directions.
///
/// With ``replayedNorms`` (`--noise-norms`, recorded from a DNI run by `--record-injected-norms`)
/// each row gets the norm DNI injected in that window and stream instead of λ‖ĝₙ‖ of this run's
/// own synthesizer, whose predictions drift from DNI's once the two runs differ.
public struct SyntheticGradientNoiseControl: Sendable, Equatable {
    /// The seed of the directions.
    public let seed: UInt64
    /// Windows trained so far: the stream of the next window's directions.
    public internal(set) var windows = 0
    /// Norms to inject, window by window (nil: each row keeps its own norm).
    public var replayedNorms: InjectedNormRecord?

    /// A control drawing its directions from `seed`.
    public init(seed: UInt64) { self.seed = seed }

    /// Replaces each row of `gradient` (`[B, stateSize]`) by a random direction of that row's
    /// norm (or of the replayed norm), and counts the window. Allocates nothing.
    public mutating func redirect(_ gradient: inout Matrix) {
        var generator = SeededGenerator(seed: seed, stream: UInt64(windows))
        let window = windows
        windows += 1
        let columns = gradient.columns
        gradient.withUnsafeMutableBufferPointer { values in
            for row in 0..<(values.count / max(1, columns)) {
                let start = row * columns
                var norm: Float = 0, drawnNorm: Float = 0
                if let replayedNorms {
                    let replayed = replayedNorms.norm(window: window, stream: row)
                    norm = replayed * replayed
                } else {
                    for column in 0..<columns { norm += values[start + column] * values[start + column] }
                }
                for column in 0..<columns {
                    let draw = generator.nextNormal()
                    values[start + column] = draw
                    drawnNorm += draw * draw
                }
                let scale = drawnNorm > 0 ? (norm / drawnNorm).squareRoot() : 0
                for column in 0..<columns { values[start + column] *= scale }
            }
        }
    }
}
