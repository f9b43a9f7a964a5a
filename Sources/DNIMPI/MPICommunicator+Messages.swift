#if MPI
import CMPI

extension MPICommunicator {
    /// Starts sending `buffer`'s header and its first `header.count` floats to rank `peer` with
    /// `tag` (MPI_Isend of 16 + 4·count bytes) and returns at once. Complete the returned request
    /// (`test()` or `wait(timeout:)`) before writing the buffer again. Allocates nothing.
    /// `tag` in 0..<reservedTagBase; `peer` in 0..<size.
    public func send(_ buffer: MPIMessageBuffer, to peer: Int, tag: Int) throws(MPIError) -> MPIRequest {
        try validate(peer: peer, tag: tag, buffer: buffer, operation: "send")
        let count = Int(buffer.header.count)
        guard count >= 0, count <= buffer.capacity else {
            throw .invalidArgument("rank \(rank): send to rank \(peer): header.count \(count) is outside 0...\(buffer.capacity)")
        }
        var request = cmpi_request_null()
        try withLock { () throws(MPIError) in
            guard !isFinalizedUnlocked else { throw .lifecycle("rank \(rank): send after finalize") }
            try check(MPI_Isend(buffer.storage, Int32(MPIMessageHeader.byteCount + 4 * count), cmpi_byte(),
                                Int32(peer), Int32(tag), handle, &request), "MPI_Isend", peer: peer)
        }
        let generation = buffer.begin(request, on: self)
        return MPIRequest(communicator: self, buffer: buffer, generation: generation, operation: .send, peer: peer, tag: tag)
    }

    /// Starts receiving into `buffer` a message of at most `buffer.capacity` floats from rank
    /// `peer` (nil: any rank) with `tag` (nil: any tag) (MPI_Irecv) and returns at once. When the
    /// request completes, `buffer.header`, the payload, `buffer.source` and `buffer.receivedTag`
    /// hold the message. Allocates nothing.
    public func receive(into buffer: MPIMessageBuffer, from peer: Int?, tag: Int?) throws(MPIError) -> MPIRequest {
        try validate(peer: peer, tag: tag, buffer: buffer, operation: "receive")
        var request = cmpi_request_null()
        try withLock { () throws(MPIError) in
            guard !isFinalizedUnlocked else { throw .lifecycle("rank \(rank): receive after finalize") }
            try check(MPI_Irecv(buffer.storage, Int32(buffer.byteCapacity), cmpi_byte(),
                                peer.map { Int32($0) } ?? cmpi_any_source(), tag.map { Int32($0) } ?? cmpi_any_tag(),
                                handle, &request), "MPI_Irecv", peer: peer)
        }
        let generation = buffer.begin(request, on: self)
        return MPIRequest(communicator: self, buffer: buffer, generation: generation, operation: .receive, peer: peer, tag: tag)
    }

    /// Polls every request until all have completed, or throws `MPIError.timedOut` naming the
    /// peers of those still pending once `timeout` has passed (a receive from any rank names
    /// none). Allocates nothing unless it throws.
    public func wait(all requests: [MPIRequest], timeout: Duration) throws(MPIError) {
        let deadline = ContinuousClock().now + timeout
        let done = try poll(until: deadline) { () throws(MPIError) -> Bool in
            var all = true
            for request in requests where !request.isComplete {
                if try !request.test() { all = false }
            }
            return all
        }
        guard done else {
            let pending = requests.filter { !$0.isComplete }
            var peers: [Int] = []
            for request in pending { if let peer = request.peer, !peers.contains(peer) { peers.append(peer) } }
            let tags = Set(pending.compactMap(\.tag))
            throw .timedOut(operation: "\(pending.count) of \(requests.count) sends and receives",
                            rank: rank, peers: peers.sorted(), tag: tags.count == 1 ? tags.first! : -1,
                            seconds: timeout.seconds)
        }
    }

    /// Throws `invalidArgument` for a peer outside 0..<size, a tag outside 0..<reservedTagBase or
    /// a buffer already in flight.
    private func validate(peer: Int?, tag: Int?, buffer: MPIMessageBuffer, operation: String) throws(MPIError) {
        if let peer, !(0..<size).contains(peer) {
            throw .invalidArgument("rank \(rank): \(operation): peer \(peer) is not a rank of 0..<\(size)")
        }
        if let tag, !(0..<Self.reservedTagBase).contains(tag) {
            throw .invalidArgument("rank \(rank): \(operation): tag \(tag) is outside 0..<\(Self.reservedTagBase)")
        }
        if buffer.isInFlight {
            throw .invalidArgument("rank \(rank): \(operation): the buffer is still in flight (complete its request first)")
        }
    }
}
#endif
