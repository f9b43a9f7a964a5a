#if MPI
import Testing
@testable import DNIMPI

/// MPI in this test process as a singleton job (one rank, no mpirun): messages to itself,
/// deadlines, checks, barrier, broadcast and finalize. MPI can be initialized once per process,
/// so one test walks through all of it in order. Several ranks: Scripts/mpi-smoke.sh.
@Suite("MPICommunicator")
struct MPICommunicatorTests {
    @Test("a one-rank job: self messages keep their content, waits time out naming the peer, misuse throws")
    func singletonJob() throws {
        let communicator = try MPICommunicator(spin: .microseconds(100))
        #expect(communicator.rank == 0)
        #expect(communicator.size == 1)
        #expect(!communicator.processorName.isEmpty)

        // A receive nobody answers: the wait gives up after its deadline and names rank 0.
        let incoming = MPIMessageBuffer(capacity: 4)
        let receive = try communicator.receive(into: incoming, from: 0, tag: 3)
        #expect(throws: MPIError.timedOut(operation: "receive", rank: 0, peers: [0], tag: 3, seconds: 0.05)) {
            try receive.wait(timeout: .milliseconds(50))
        }
        #expect(!receive.isComplete)
        // A second operation on a buffer in flight is refused.
        #expect(throws: MPIError.self) { try communicator.receive(into: incoming, from: 0, tag: 3) }

        // Now answer it: header and every float arrive.
        let outgoing = MPIMessageBuffer(capacity: 4)
        let values: [Float] = [1, -2.5, 3e-7, 4e7]
        try values.withUnsafeBufferPointer { try outgoing.fill(batch: 42, kind: 2, from: $0) }
        let send = try communicator.send(outgoing, to: 0, tag: 3)
        try receive.wait(timeout: .seconds(5))
        try send.wait(timeout: .seconds(5))
        #expect(receive.isComplete && send.isComplete)
        #expect(incoming.header == MPIMessageHeader(batch: 42, kind: 2, count: 4))
        #expect(Array(incoming.payload) == values)
        #expect(incoming.source == 0 && incoming.receivedTag == 3)

        // A message larger than the receive buffer is an error naming the sender.
        let small = MPIMessageBuffer(capacity: 2)
        let truncated = try communicator.receive(into: small, from: 0, tag: 4)
        let resend = try communicator.send(outgoing, to: 0, tag: 4)
        #expect(throws: MPIError.truncated(rank: 0, peer: 0, tag: 4, capacity: 2)) {
            try communicator.wait(all: [truncated, resend], timeout: .seconds(5))
        }
        try resend.wait(timeout: .seconds(5))

        // Tags and peers out of range.
        #expect(throws: MPIError.self) { try communicator.send(outgoing, to: 1, tag: 0) }
        #expect(throws: MPIError.self) { try communicator.send(outgoing, to: 0, tag: MPICommunicator.reservedTagBase) }

        // Barrier and broadcast of one rank; then finalize, once.
        try communicator.barrier(timeout: .seconds(1))
        let configuration: [UInt8] = Array("stages 3".utf8)
        #expect(try communicator.broadcast(configuration, root: 0, timeout: .seconds(1)) == configuration)
        try communicator.finalize()
        #expect(communicator.isFinalized)
        #expect(throws: MPIError.self) { try communicator.finalize() }
    }
}
#endif
