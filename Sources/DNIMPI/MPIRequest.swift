#if MPI
import CMPI

/// A send or receive in flight (an MPI_Request), started by `MPICommunicator.send` or
/// `receive`. Not copyable: one owner completes it once, with `test()` or `wait(timeout:)`.
///
/// Dropping a request that has not completed frees the MPI request but keeps its buffer alive
/// for good (MPI may still write into it): that only happens on the way to `abort`.
public struct MPIRequest: ~Copyable {
    /// Which way the message goes.
    public enum Operation: Sendable {
        /// MPI_Isend of a header and payload.
        case send
        /// MPI_Irecv into a buffer.
        case receive
    }

    /// The communicator the request was started on.
    let communicator: MPICommunicator
    /// The buffer MPI reads (send) or writes (receive) until completion.
    public let buffer: MPIMessageBuffer
    /// The MPI request; MPI_REQUEST_NULL once complete.
    var handle: MPI_Request?
    /// Send or receive.
    public let operation: Operation
    /// The other rank (nil: a receive from any rank).
    public let peer: Int?
    /// The tag (nil: a receive with any tag).
    public let tag: Int?
    /// True once the message has been sent (its buffer may be reused) or received.
    public private(set) var isComplete = false

    init(communicator: MPICommunicator, buffer: MPIMessageBuffer, handle: MPI_Request?, operation: Operation,
         peer: Int?, tag: Int?) {
        self.communicator = communicator
        self.buffer = buffer
        self.handle = handle
        self.operation = operation
        self.peer = peer
        self.tag = tag
    }

    deinit {
        guard !isComplete else { return }
        // MPI may still use the memory: keep the buffer for the life of the process.
        _ = Unmanaged.passRetained(buffer)
        var handle = self.handle
        let communicator = self.communicator
        communicator.withLock {
            if handle != cmpi_request_null() { MPI_Request_free(&handle) }
        }
    }

    /// Returns at once: true if the operation has completed (MPI_Test), false if not yet.
    /// For a receive, checks the message: a header followed by exactly `header.count` floats.
    public mutating func test() throws(MPIError) -> Bool {
        if isComplete { return true }
        var flag: Int32 = 0
        var status = MPI_Status()
        let code = communicator.withLock { MPI_Test(&handle, &flag, &status) }
        let rank = communicator.rank
        if code == MPI_ERR_TRUNCATE {
            throw .truncated(rank: rank, peer: peer ?? Int(cmpi_status_source(&status)), tag: tag ?? -1,
                             capacity: buffer.capacity)
        }
        try communicator.check(code, operation == .send ? "MPI_Test (send)" : "MPI_Test (receive)", peer: peer)
        guard flag != 0 else { return false }
        isComplete = true
        buffer.isInFlight = false
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
        guard count >= 0, MPIMessageHeader.byteCount + 4 * count == Int(bytes) else {
            throw .malformed(rank: rank, peer: source, tag: receivedTag, bytes: Int(bytes),
                             reason: "the header announces \(count) floats")
        }
        return true
    }

    /// Polls `test()` until the operation completes, or throws `MPIError.timedOut` naming the
    /// peer once `timeout` has passed: a rank that died or stopped answering becomes an error,
    /// never a hang. Polls without sleeping for the communicator's `spin`, then every ~20 µs.
    public mutating func wait(timeout: Duration) throws(MPIError) {
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
