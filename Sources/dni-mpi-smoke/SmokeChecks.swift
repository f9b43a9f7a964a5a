#if MPI
import DNIMPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The message kinds of the checks.
enum SmokeKind {
    /// Ping: rank 0 to rank 1.
    static let ping: Int32 = 1
    /// Pong: rank 1's negated copy back to rank 0.
    static let pong: Int32 = 2
    /// A ring message: from rank r to rank r + 1.
    static let ring: Int32 = 3
}

/// The value a check message carries at `index` for `batch` from `source`: exact in Float
/// (integers below 2²⁴ for up to 16 ranks and 1000 batches).
func smokeValue(source: Int, batch: Int, index: Int) -> Float {
    Float(source * 1_000_000 + batch * 1000 + index % 997)
}

/// Broadcast of configuration bytes, a barrier, ping-pong between ranks 0 and 1 at three
/// sizes, and a ring over every rank, each message's header and every float checked.
func runChecks(_ communicator: MPICommunicator) throws(MPIError) {
    let timeout = Duration.seconds(5)
    let rank = communicator.rank
    let configuration = Array("dni-mpi-smoke configuration: stages 4, seed 7, ranks \(communicator.size)".utf8)
    let received = try communicator.broadcast(rank == 0 ? configuration : [], root: 0, timeout: timeout)
    guard received == configuration else { throw .invalidArgument("rank \(rank): broadcast delivered other bytes") }
    try communicator.barrier(timeout: timeout)

    for count in [1, 1000, 262_144] {
        try pingPong(communicator, count: count, rounds: 5, timeout: timeout)
    }
    if rank == 0 { say("check: ping-pong ranks 0 ↔ 1 of 1, 1000 and 262144 floats, 5 rounds each: every value right") }
    try ring(communicator, count: 4096, rounds: 10, timeout: timeout)
    if rank == 0 { say("check: ring over \(communicator.size) ranks, 10 rounds of 4096 floats: every value right") }
    say("check: rank \(rank) of \(communicator.size) on \(communicator.processorName)\(networkNamespace()): ok")
}

/// ", network namespace net:[…]" on Linux (ranks on simulated hosts differ here, since their
/// host names are the same), "" elsewhere.
func networkNamespace() -> String {
    #if os(Linux)
    var target = [CChar](repeating: 0, count: 64)
    let length = readlink("/proc/self/ns/net", &target, target.count - 1)
    guard length > 0 else { return "" }
    return ", network namespace " + String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    #else
    return ""
    #endif
}

/// Rank 0 sends `count` floats for each round to rank 1, which checks them and sends them back
/// negated; rank 0 checks the answer. Other ranks take no part. Buffers are made once.
func pingPong(_ communicator: MPICommunicator, count: Int, rounds: Int, timeout: Duration) throws(MPIError) {
    let rank = communicator.rank
    guard rank < 2 else { return }
    let peer = 1 - rank
    let outgoing = MPIMessageBuffer(capacity: count)
    let incoming = MPIMessageBuffer(capacity: count)
    for batch in 0..<rounds {
        if rank == 0 {
            let receive = try communicator.receive(into: incoming, from: peer, tag: 11)
            outgoing.header = MPIMessageHeader(batch: Int64(batch), kind: SmokeKind.ping, count: Int32(count))
            for index in 0..<count { outgoing.payload[index] = smokeValue(source: 0, batch: batch, index: index) }
            let send = try communicator.send(outgoing, to: peer, tag: 10)
            try send.wait(timeout: timeout)
            try receive.wait(timeout: timeout)
            try expect(incoming, from: peer, batch: batch, kind: SmokeKind.pong, count: count, rank: rank) { index in
                -smokeValue(source: 0, batch: batch, index: index)
            }
        } else {
            let receive = try communicator.receive(into: incoming, from: peer, tag: 10)
            try receive.wait(timeout: timeout)
            try expect(incoming, from: peer, batch: batch, kind: SmokeKind.ping, count: count, rank: rank) { index in
                smokeValue(source: 0, batch: batch, index: index)
            }
            outgoing.header = MPIMessageHeader(batch: Int64(batch), kind: SmokeKind.pong, count: Int32(count))
            for index in 0..<count { outgoing.payload[index] = -incoming.payload[index] }
            let send = try communicator.send(outgoing, to: peer, tag: 11)
            try send.wait(timeout: timeout)
        }
    }
}

/// Every rank sends `count` floats to rank + 1 and receives from rank − 1 (mod size), for each
/// round, and checks what it received.
func ring(_ communicator: MPICommunicator, count: Int, rounds: Int, timeout: Duration) throws(MPIError) {
    let rank = communicator.rank
    let size = communicator.size
    let next = (rank + 1) % size
    let previous = (rank + size - 1) % size
    let outgoing = MPIMessageBuffer(capacity: count)
    let incoming = MPIMessageBuffer(capacity: count)
    for batch in 0..<rounds {
        let receive = try communicator.receive(into: incoming, from: previous, tag: 20)
        outgoing.header = MPIMessageHeader(batch: Int64(batch), kind: SmokeKind.ring, count: Int32(count))
        for index in 0..<count { outgoing.payload[index] = smokeValue(source: rank, batch: batch, index: index) }
        let send = try communicator.send(outgoing, to: next, tag: 20)
        try receive.wait(timeout: timeout)
        try send.wait(timeout: timeout)
        try expect(incoming, from: previous, batch: batch, kind: SmokeKind.ring, count: count, rank: rank) { index in
            smokeValue(source: previous, batch: batch, index: index)
        }
    }
}

/// Throws unless `buffer` holds a message from `source` for `batch` of `kind` with `count`
/// floats equal to `expected(index)`.
func expect(_ buffer: MPIMessageBuffer, from source: Int, batch: Int, kind: Int32, count: Int, rank: Int,
            _ expected: (Int) -> Float) throws(MPIError) {
    let header = buffer.header
    guard buffer.source == source, header.batch == Int64(batch), header.kind == kind, header.count == Int32(count) else {
        throw .invalidArgument("rank \(rank): expected batch \(batch) kind \(kind) of \(count) floats from rank \(source),"
            + " got batch \(header.batch) kind \(header.kind) of \(header.count) from rank \(buffer.source)")
    }
    for index in 0..<count where buffer.payload[index] != expected(index) {
        throw .invalidArgument("rank \(rank): value \(index) from rank \(source) is \(buffer.payload[index]),"
            + " expected \(expected(index))")
    }
}
#endif
