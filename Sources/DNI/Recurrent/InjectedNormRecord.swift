import Linalg

/// The norms of the synthetic gradient a DNI run injected, λ‖ĝₙ‖ per window and stream, for the
/// replayed noise control: `dni train --method dni --record-injected-norms F` writes them, and
/// `--synthetic-gradient-noise --noise-norms F` injects random directions with exactly these
/// norms (``SyntheticGradientNoiseControl``), so the control's push matches DNI's window by
/// window instead of following the control's own synthesizer.
///
/// Window w (counting every window the network trained, warm-up included) is row w of a
/// `[windows, batchSize]` float32 matrix; the file is the checkpoint container with one section,
/// `injected_norms` (docs/checkpoint-format.md).
public struct InjectedNormRecord: Sendable, Equatable {
    /// The section that holds the norms in a file.
    public static let sectionName = "injected_norms"
    /// Streams per window.
    public let batchSize: Int
    /// λ‖ĝₙ‖, window-major: window w's norms are `norms[w·B ..< (w+1)·B]`.
    public private(set) var norms: [Float] = []

    /// Windows recorded.
    public var windows: Int { norms.count / batchSize }

    /// An empty record for `batchSize` streams, with room for `capacity` windows (so recording
    /// that many allocates nothing).
    public init(batchSize: Int, capacity: Int = 0) {
        precondition(batchSize >= 1, "a record needs at least one stream")
        self.batchSize = batchSize
        norms.reserveCapacity(max(0, capacity) * batchSize)
    }

    /// Appends the row norms of `gradient` (`[B, stateSize]`) as the next window's.
    public mutating func append(rowNormsOf gradient: Matrix) {
        precondition(gradient.rows == batchSize, "the record holds \(batchSize) streams, the gradient has \(gradient.rows) rows")
        let columns = gradient.columns
        gradient.withUnsafeBufferPointer { values in
            for row in 0..<batchSize {
                var squares: Float = 0
                for column in 0..<columns { squares += values[row * columns + column] * values[row * columns + column] }
                norms.append(squares.squareRoot())
            }
        }
    }

    /// λ‖ĝₙ‖ of stream `stream` in window `window`.
    public func norm(window: Int, stream: Int) -> Float { norms[window * batchSize + stream] }

    /// The record as a state tree: one `[windows, batchSize]` matrix.
    public var stateTree: StateTree {
        var tree = StateTree()
        tree.add(CheckpointSection(name: Self.sectionName, floats: norms, shape: [windows, batchSize]))
        return tree
    }

    /// The record in `tree` (read from the file `path`, named in errors), which must hold
    /// `batchSize` streams, at least `windows` windows, and finite non-negative norms.
    public init(tree: StateTree, path: String, batchSize: Int, windows: Int) throws(InputError) {
        let matrix: Matrix
        do {
            matrix = try tree.matrix(Self.sectionName)
        } catch {
            throw InputError("\(path): \(error.description) (not a record of injected norms: write one with --record-injected-norms)")
        }
        if let bad = matrix.storage.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw InputError("\(path): the norm of window \(bad / matrix.columns + 1), stream \(bad % matrix.columns + 1) is \(matrix.storage[bad]), not a finite non-negative number")
        }
        self.batchSize = matrix.columns
        norms = matrix.storage
        do {
            try check(batchSize: batchSize, windows: windows)
        } catch {
            throw InputError("\(path): \(error.description)")
        }
    }

    /// Checks that the record serves a run of `batchSize` streams training `windows` windows
    /// (warm-up included).
    public func check(batchSize: Int, windows: Int) throws(InputError) {
        guard self.batchSize == batchSize else {
            throw InputError("records \(self.batchSize) streams per window, this run has --batch-size \(batchSize)")
        }
        guard self.windows >= windows else {
            throw InputError("records \(self.windows) windows, this run trains \(windows) (warm-up included)")
        }
    }
}
