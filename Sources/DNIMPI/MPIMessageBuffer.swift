#if MPI
import CMPI

/// A preallocated message: a `MPIMessageHeader` followed by up to `capacity` floats, in one
/// aligned allocation made once, so that sending or receiving through it allocates nothing.
///
/// Layout: bytes [0, 16) the header, then `capacity` Float32 (payload). A send transmits the
/// header and the first `header.count` floats as one MPI message; a receive accepts any message
/// of up to `capacity` floats and checks that its length matches its header.
///
/// A buffer carries one operation at a time, and holds that operation's MPI_Request, so that
/// requests are plain values (`MPIRequest`) that can be kept in arrays without allocating.
/// While a request started on this buffer is in flight, MPI owns the memory: do not write the
/// header or payload until the request's `test()` returned true or its `wait(timeout:)` returned.
/// Starting a second operation on a buffer in flight throws `MPIError.invalidArgument`.
/// Dropping a buffer in flight frees its MPI request but never its memory (MPI may still
/// write into it): that only happens on the way to `abort`.
public final class MPIMessageBuffer {
    /// How many floats the payload can hold.
    public let capacity: Int
    /// Header then payload; `byteCapacity` bytes, 64-byte aligned.
    let storage: UnsafeMutableRawPointer
    /// `MPIMessageHeader.byteCount + 4 · capacity`.
    let byteCapacity: Int
    /// True from the start of a send or receive on this buffer until its request completes.
    public internal(set) var isInFlight = false
    /// The MPI request of the operation in flight (MPI_REQUEST_NULL when none).
    var handle: MPI_Request? = cmpi_request_null()
    /// Counts the operations started on this buffer: a request is current while it matches.
    var generation: UInt64 = 0
    /// The communicator of the operation in flight (nil when none).
    var communicator: MPICommunicator?
    /// The rank the last completed receive came from (-1 before any).
    public internal(set) var source = -1
    /// The tag of the last completed receive (-1 before any).
    public internal(set) var receivedTag = -1

    /// A buffer for messages of up to `capacity` floats (`capacity` ≥ 0), header zeroed.
    public init(capacity: Int) {
        precondition(capacity >= 0 && capacity <= Int(Int32.max) / 4, "capacity \(capacity) out of range")
        self.capacity = capacity
        self.byteCapacity = MPIMessageHeader.byteCount + 4 * capacity
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: byteCapacity, alignment: 64)
        // The header is read and written as raw bytes; the payload is bound to Float once here.
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: MPIMessageHeader.byteCount)
        (storage + MPIMessageHeader.byteCount).initializeMemory(as: Float.self, repeating: 0, count: capacity)
    }

    deinit {
        guard isInFlight, let communicator else {
            storage.deallocate()
            return
        }
        // MPI may still read or write `storage`: free the request, keep the memory.
        communicator.withLock {
            if handle != cmpi_request_null() { MPI_Request_free(&handle) }
        }
    }

    /// Records that an operation started on this buffer with `request`; returns its generation.
    func begin(_ request: MPI_Request?, on communicator: MPICommunicator) -> UInt64 {
        generation &+= 1
        handle = request
        isInFlight = true
        self.communicator = communicator
        return generation
    }

    /// Records that the operation in flight completed.
    func end() {
        handle = cmpi_request_null()
        isInFlight = false
        communicator = nil
    }

    /// The header: batch, kind and payload count (read from / written to the buffer's first 16 bytes).
    public var header: MPIMessageHeader {
        get {
            MPIMessageHeader(
                batch: Int64(littleEndian: storage.load(fromByteOffset: 0, as: Int64.self)),
                kind: Int32(littleEndian: storage.load(fromByteOffset: 8, as: Int32.self)),
                count: Int32(littleEndian: storage.load(fromByteOffset: 12, as: Int32.self)))
        }
        set {
            storage.storeBytes(of: newValue.batch.littleEndian, toByteOffset: 0, as: Int64.self)
            storage.storeBytes(of: newValue.kind.littleEndian, toByteOffset: 8, as: Int32.self)
            storage.storeBytes(of: newValue.count.littleEndian, toByteOffset: 12, as: Int32.self)
        }
    }

    /// All `capacity` payload floats (the message carries the first `header.count`). Valid as long
    /// as the buffer lives; do not keep it past the buffer or write it while `isInFlight`.
    public var payload: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(
            start: (storage + MPIMessageHeader.byteCount).assumingMemoryBound(to: Float.self),
            count: capacity)
    }

    /// Writes the header for `count` floats and copies `values` into the payload: the usual way
    /// to fill a message before `MPICommunicator.send`. `values.count` ≤ `capacity`.
    public func fill(batch: Int64, kind: Int32, from values: UnsafeBufferPointer<Float>) throws(MPIError) {
        guard !isInFlight else { throw .invalidArgument("MPIMessageBuffer.fill: the buffer is in flight") }
        guard values.count <= capacity else {
            throw .invalidArgument("MPIMessageBuffer.fill: \(values.count) floats exceed the capacity \(capacity)")
        }
        header = MPIMessageHeader(batch: batch, kind: kind, count: Int32(values.count))
        if let base = values.baseAddress, values.count > 0 {
            payload.baseAddress!.update(from: base, count: values.count)
        }
    }
}
#endif
