#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reusable packing buffers for ``PackedGEMM``, shared by the copies of one kernel value.
///
/// Each running GEMM (one per thread) takes a buffer, packs into it and gives it back. After
/// the first products of the largest shape, the pool holds as many buffers as threads ever ran
/// at once, each as large as ever needed, so the hot path allocates nothing: taking and giving
/// back only move a pointer in an array whose capacity is kept. Buffers are freed when the
/// last kernel value holding the pool goes away. This is state owned by the kernel value
/// (not global): two engines never share buffers.
final class GEMMScratchPool: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: the only mutable state is `buffers`, which is read and
    // written only between `pthread_mutex_lock` and `pthread_mutex_unlock` of `mutex` (in
    // `take` and `giveBack`) or in `deinit`, when no other reference exists. A buffer taken
    // from the pool belongs to one caller alone until it is given back.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var buffers: [ScratchBuffer] = []

    /// A 64-byte-aligned allocation of `capacity` floats.
    struct ScratchBuffer {
        let pointer: UnsafeMutablePointer<Float>
        let capacity: Int
    }

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        buffers.reserveCapacity(16)
    }

    deinit {
        for buffer in buffers { buffer.pointer.deallocate() }
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with a buffer of at least `count` floats, returned to the pool afterwards.
    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = take(count: count)
        defer { giveBack(buffer) }
        return try body(buffer.pointer)
    }

    private func take(count: Int) -> ScratchBuffer {
        pthread_mutex_lock(mutex)
        let found = buffers.popLast()
        pthread_mutex_unlock(mutex)
        if let found, found.capacity >= count { return found }
        found?.pointer.deallocate()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        return ScratchBuffer(pointer: raw.bindMemory(to: Float.self, capacity: count), capacity: count)
    }

    private func giveBack(_ buffer: ScratchBuffer) {
        pthread_mutex_lock(mutex)
        buffers.append(buffer)
        pthread_mutex_unlock(mutex)
    }
}
