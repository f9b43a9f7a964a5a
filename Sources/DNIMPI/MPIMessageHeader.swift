#if MPI
/// The small header sent in front of every payload: which batch, what kind of message, how many
/// floats follow. 16 bytes on the wire, little-endian: batch (Int64), kind (Int32), count (Int32).
///
/// In the DNI pipeline (Jaderberg et al. 2016, arXiv:1608.05343) a stage sends its activation
/// hᵢ (and the condition) for batch b up, and the gradient δᵢ₋₁ for batch b down as the target
/// of the synthesizer below; `batch` and `kind` say which of those a payload is.
public struct MPIMessageHeader: Equatable, Sendable {
    /// Bytes the header takes in front of the payload (a multiple of 16, so the floats stay aligned).
    public static let byteCount = 16

    /// The batch (step) the payload belongs to.
    public var batch: Int64
    /// What the payload is (an activation, a target gradient, a control message…); the meaning
    /// is the caller's.
    public var kind: Int32
    /// How many floats follow the header.
    public var count: Int32

    /// A header for `count` floats of `kind` for batch `batch`.
    public init(batch: Int64, kind: Int32, count: Int32) {
        self.batch = batch
        self.kind = kind
        self.count = count
    }
}
#endif
