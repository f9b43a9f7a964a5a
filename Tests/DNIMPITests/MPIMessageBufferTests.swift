#if MPI
import Testing
@testable import DNIMPI

/// The message layout and the error lines, without initializing MPI.
@Suite("MPIMessageBuffer")
struct MPIMessageBufferTests {
    @Test("the header is stored little-endian in the first 16 bytes, the payload after it")
    func headerLayout() throws {
        let buffer = MPIMessageBuffer(capacity: 3)
        buffer.header = MPIMessageHeader(batch: 0x0102_0304_0506_0708, kind: 5, count: 2)
        #expect(buffer.header == MPIMessageHeader(batch: 0x0102_0304_0506_0708, kind: 5, count: 2))
        let bytes = (0..<16).map { buffer.storage.load(fromByteOffset: $0, as: UInt8.self) }
        #expect(bytes == [8, 7, 6, 5, 4, 3, 2, 1, 5, 0, 0, 0, 2, 0, 0, 0])
        buffer.payload[0] = 1.5
        #expect(buffer.storage.load(fromByteOffset: 16, as: Float.self) == 1.5)
        #expect(buffer.byteCapacity == 16 + 4 * 3)
    }

    @Test("fill writes header and payload and rejects more floats than the capacity")
    func fill() throws {
        let buffer = MPIMessageBuffer(capacity: 2)
        let values: [Float] = [3, -4]
        try values.withUnsafeBufferPointer { try buffer.fill(batch: 9, kind: 1, from: $0) }
        #expect(buffer.header == MPIMessageHeader(batch: 9, kind: 1, count: 2))
        #expect(Array(buffer.payload) == values)
        let tooMany: [Float] = [1, 2, 3]
        #expect(throws: MPIError.self) {
            try tooMany.withUnsafeBufferPointer { try buffer.fill(batch: 0, kind: 0, from: $0) }
        }
    }

    @Test("a timeout names this rank and the silent peers")
    func timeoutLine() {
        let error = MPIError.timedOut(operation: "receive", rank: 0, peers: [2], tag: 7, seconds: 3)
        #expect(error.peers == [2])
        #expect(error.description
            == "rank 0: no answer from rank 2 within 3.0 s (receive, tag 7): that rank died or stopped answering")
        let several = MPIError.timedOut(operation: "barrier", rank: 1, peers: [0, 3], tag: 32000, seconds: 0.25)
        #expect(several.description.hasPrefix("rank 1: no answer from ranks 0, 3 within 0.3 s (barrier"))
    }
}
#endif
