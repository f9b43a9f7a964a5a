#if MPI
/// What went wrong in a message-passing call, always naming this rank and, where one is
/// involved, the peer rank(s), so that a rank that died or stopped answering is named in the
/// one line a job prints before it ends (see docs/mpi.md, "A rank that dies").
///
/// After `timedOut` or `call` the job cannot continue safely (requests may still be posted):
/// print the error and call `MPICommunicator.abort(code:message:)`, which ends every rank.
public enum MPIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// An MPI function returned an error code. `peer` is the other rank of a point-to-point
    /// operation, nil for calls that involve none.
    case call(function: String, code: Int32, text: String, rank: Int, peer: Int?)
    /// `operation` (tag `tag`) did not complete within `seconds`: `peers` are the ranks whose
    /// message never arrived or was never taken, i.e. that died or stopped answering.
    case timedOut(operation: String, rank: Int, peers: [Int], tag: Int, seconds: Double)
    /// A receive matched a message larger than its buffer (`capacity` floats after the header).
    case truncated(rank: Int, peer: Int, tag: Int, capacity: Int)
    /// A received message is not a header followed by `header.count` floats.
    case malformed(rank: Int, peer: Int, tag: Int, bytes: Int, reason: String)
    /// The MPI library gives less thread support than requested.
    case threadSupport(requested: Int32, provided: Int32)
    /// MPI was already initialized (one `MPICommunicator` per process) or already finalized.
    case lifecycle(String)
    /// A caller error: a tag out of range, a rank out of range, a count over capacity, or a
    /// buffer handed to a second operation before the first completed.
    case invalidArgument(String)

    /// The ranks that this error names as the other side (empty if none).
    public var peers: [Int] {
        switch self {
        case .call(_, _, _, _, let peer): peer.map { [$0] } ?? []
        case .timedOut(_, _, let peers, _, _): peers
        case .truncated(_, let peer, _, _), .malformed(_, let peer, _, _, _): [peer]
        case .threadSupport, .lifecycle, .invalidArgument: []
        }
    }

    /// One line: which rank, which operation, which peer, what happened.
    public var description: String {
        switch self {
        case let .call(function, code, text, rank, peer):
            let with = peer.map { " with rank \($0)" } ?? ""
            return "rank \(rank): \(function)\(with) failed (error \(code): \(text))"
        case let .timedOut(operation, rank, peers, tag, seconds):
            let names = peers.isEmpty ? "any rank" : (peers.count == 1 ? "rank " : "ranks ")
                + peers.map(String.init).joined(separator: ", ")
            let limit = seconds.formatted(decimals: 1)
            return "rank \(rank): no answer from \(names) within \(limit) s (\(operation), tag \(tag)):"
                + " that rank died or stopped answering"
        case let .truncated(rank, peer, tag, capacity):
            return "rank \(rank): message from rank \(peer) (tag \(tag)) exceeds the receive buffer of \(capacity) floats"
        case let .malformed(rank, peer, tag, bytes, reason):
            return "rank \(rank): malformed message from rank \(peer) (tag \(tag), \(bytes) bytes): \(reason)"
        case let .threadSupport(requested, provided):
            return "MPI provides thread level \(provided), below the requested \(requested) (MPI_THREAD_SERIALIZED)"
        case let .lifecycle(text):
            return text
        case let .invalidArgument(text):
            return text
        }
    }
}

extension Double {
    /// The value with `decimals` digits after the point, without Foundation.
    func formatted(decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (self * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(abs(scaled).truncatingRemainder(dividingBy: scale))
        guard decimals > 0 else { return String(whole) }
        let digits = String(fraction)
        let sign = (self < 0 && whole == 0 && fraction > 0) ? "-" : ""
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
}
#endif
