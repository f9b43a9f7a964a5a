#if MPI
import CMPI

/// A send or receive in flight (an MPI_Request), started by `MPICommunicator.send` or
/// `receive`, completed with `test()` or `wait(timeout:)` (or `MPICommunicator.wait(all:timeout:)`).
///
/// A small value: the MPI_Request itself lives in the request's buffer (one operation per buffer
/// at a time), so requests can be copied and kept in preallocated arrays without allocating.
/// A copy kept after its buffer started another operation reports itself complete.
public struct MPIRequest {
    /// Which way the message goes.
    public enum Operation: Sendable {
        /// MPI_Isend of a header and payload.
        case send
        /// MPI_Irecv into a buffer.
        case receive
    }

    /// The communicator the request was started on.
    let communicator: MPICommunicator
    /// The buffer MPI reads (send) or writes (receive) until completion; it holds the MPI_Request.
    public let buffer: MPIMessageBuffer
    /// The buffer's operation count when this request started it.
    let generation: UInt64
    /// Send or receive.
    public let operation: Operation
    /// The other rank (nil: a receive from any rank).
    public let peer: Int?
    /// The tag (nil: a receive with any tag).
    public let tag: Int?

    /// True once the message has been sent (its buffer may be reused) or received and checked.
    public var isComplete: Bool { buffer.generation != generation || !buffer.isInFlight }

    /// Returns at once: true if the operation has completed (MPI_Test), false if not yet.
    /// For a receive, checks the message: a header followed by exactly `header.count` floats.
    public func test() throws(MPIError) -> Bool {
        if isComplete { return true }
        var flag: Int32 = 0
        var status = MPI_Status()
        let buffer = self.buffer
        let code = communicator.withLock { MPI_Test(&buffer.handle, &flag, &status) }
        let rank = communicator.rank
        if code == MPI_ERR_TRUNCATE || (flag != 0 && operation == .receive && cmpi_status_error(&status) == MPI_ERR_TRUNCATE) {
            buffer.end()
            throw .truncated(rank: rank, peer: peer ?? Int(cmpi_status_source(&status)), tag: tag ?? -1,
                             capacity: buffer.capacity)
        }
        try communicator.check(code, operation == .send ? "MPI_Test (send)" : "MPI_Test (receive)", peer: peer)
        guard flag != 0 else { return false }
        buffer.end()
        guard operation == .receive else { return true }
        let source = Int(cmpi_status_source(&status))
        let receivedTag = Int(cmpi_status_tag(&status))
        buffer.source = source
        buffer.receivedTag = receivedTag
        var bytes: Int32 = 0
        MPI_Get_count(&status, cmpi_byte(), &bytes)
        guard bytes >= Int32(MPIMessageHeader.byteCount) else {
            throw .malformed(rank: rank, peer: source, tag: receivedTag, bytes: Int(bytes), reason: "shorter than the 16-byte header")
        }
        let count = Int(buffer.header.count)
        if count > buffer.capacity, Int(bytes) == buffer.byteCapacity {
            // The sender's header announces more than fits: MPI delivered the first bytes only
            // (Open MPI 4.1 does not always flag MPI_ERR_TRUNCATE in the status).
            throw .truncated(rank: rank, peer: source, tag: receivedTag, capacity: buffer.capacity)
        }
        guard count >= 0, MPIMessageHeader.byteCount + 4 * count == Int(bytes) else {
            throw .malformed(rank: rank, peer: source, tag: receivedTag, bytes: Int(bytes),
                             reason: "the header announces \(count) floats")
        }
        return true
    }

    /// Polls `test()` until the operation completes, or throws `MPIError.timedOut` naming the
    /// peer once `timeout` has passed: a rank that died or stopped answering becomes an error,
    /// never a hang. Polls without sleeping for the communicator's `spin`, then every ~20 µs.
    public func wait(timeout: Duration) throws(MPIError) {
        if try test() { return }
        let deadline = ContinuousClock().now + timeout
        let done = try communicator.poll(until: deadline) { () throws(MPIError) -> Bool in try test() }
        guard done else {
            let what: String
            switch operation {
            case .send: what = "send of batch \(buffer.header.batch) (kind \(buffer.header.kind))"
            case .receive: what = "receive"
            }
            throw .timedOut(operation: what, rank: communicator.rank, peers: peer.map { [$0] } ?? [],
                            tag: tag ?? -1, seconds: timeout.seconds)
        }
    }
}
#endif
