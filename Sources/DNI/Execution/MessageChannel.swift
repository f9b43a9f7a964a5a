import CLinalgKernels
import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One message between neighbouring stage groups: a batch id and a matrix — the activation hᵢ
/// going up (with the batch's `target`, which cDNI synthesizers read as the condition c and the
/// top stage's loss compares against), or the bootstrapped target δᵢ going down.
///
/// Messages are preallocated slots of a ``MessageChannel``: the sender copies into a free slot,
/// the receiver reads it in place and gives it back, so a warmed-up channel allocates nothing.
final class Message: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: a slot is used by one side at a time. The sender writes
    // it only between `reserve` and `publish`, the receiver reads it only between `next` and
    // `release`; the channel's counters, stored with release and loaded with acquire ordering
    // (and re-checked under its mutex before sleeping), order every write before the other
    // side's first read.
    /// The batch (or micro-batch) id.
    var batch = 0
    /// hᵢ going up, δᵢ going down.
    var matrix = Matrix.empty
    /// The batch's targets, going up only.
    var target = Matrix.empty
}

/// Why a channel gave up waiting: another stage group failed, and its error is the one reported.
struct ChannelAborted: Error {}

/// A bounded single-producer, single-consumer queue of ``Message`` slots between two threads.
///
/// Waiting sides spin (with the CPU's pause hint) for ``spinNanoseconds`` and then sleep on a
/// condition variable: on the virtual machines we measure on, waking a sleeping vCPU costs as
/// much as a small matrix product, while most waits between balanced stage groups are short.
/// Back-pressure: a sender waits when every slot is taken. ``abort()`` wakes both sides, which
/// then throw ``ChannelAborted``.
final class MessageChannel: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: `slots` is immutable; the counters are only accessed
    // through the C atomics (acquire/release); `sent`/`received` positions local to each side
    // (`reservedSlot`, `heldCount`) are touched only by that side's single thread (one producer,
    // one consumer, by construction in the executors); the mutex and condition variable are
    // used only through pthread calls.
    private let slots: [Message]
    /// Messages published (producer) and released (consumer), as ever-growing counters.
    private let published: UnsafeMutablePointer<UInt64>
    private let released: UnsafeMutablePointer<UInt64>
    private let abortFlag: UnsafeMutablePointer<UInt64>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    /// Consumer side: messages taken with `next` and not yet released.
    private var heldCount: UInt64 = 0
    /// How long a waiting side spins before it sleeps.
    let spinNanoseconds: UInt64

    /// A channel of `capacity` slots.
    init(capacity: Int, spinNanoseconds: UInt64 = 500_000) {
        precondition(capacity >= 1, "a channel needs at least one slot")
        slots = (0..<capacity).map { _ in Message() }
        published = .allocate(capacity: 1)
        published.initialize(to: 0)
        released = .allocate(capacity: 1)
        released.initialize(to: 0)
        abortFlag = .allocate(capacity: 1)
        abortFlag.initialize(to: 0)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        changed = .allocate(capacity: 1)
        changed.initialize(to: pthread_cond_t())
        pthread_cond_init(changed, nil)
        self.spinNanoseconds = spinNanoseconds
    }

    deinit {
        published.deallocate()
        released.deallocate()
        abortFlag.deallocate()
        pthread_cond_destroy(changed)
        changed.deinitialize(count: 1)
        changed.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Number of slots.
    var capacity: Int { slots.count }

    /// Messages published and not yet released (either side may call it).
    var pendingCount: Int { Int(dni_atomic_load_u64(published) - dni_atomic_load_u64(released)) }

    /// Producer: waits for a free slot and returns it for filling; ``publish()`` sends it.
    func reserve() throws -> Message {
        let capacity = UInt64(slots.count)
        try wait { dni_atomic_load_u64(self.published) - dni_atomic_load_u64(self.released) < capacity }
        return slots[Int(dni_atomic_load_u64(published) % capacity)]
    }

    /// Producer: sends the slot returned by the last ``reserve()``.
    func publish() {
        dni_atomic_store_u64(published, dni_atomic_load_u64(published) + 1)
        signal()
    }

    /// Consumer: waits for the next message not yet taken and returns it; it stays valid until
    /// ``release()`` gives it back (messages are released in the order they were taken).
    func next() throws -> Message {
        let wanted = dni_atomic_load_u64(released) + heldCount
        try wait { dni_atomic_load_u64(self.published) > wanted }
        heldCount += 1
        return slots[Int(wanted % UInt64(slots.count))]
    }

    /// Consumer: gives back the oldest message taken with ``next()``.
    func release() {
        precondition(heldCount > 0, "release() without a message taken")
        heldCount -= 1
        dni_atomic_store_u64(released, dni_atomic_load_u64(released) + 1)
        signal()
    }

    /// Wakes both sides for good: every wait from now on throws ``ChannelAborted``.
    func abort() {
        pthread_mutex_lock(mutex)
        dni_atomic_store_u64(abortFlag, 1)
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    /// Wakes a side sleeping in ``wait(until:)``. Taking the mutex orders the counter change
    /// before the sleeper's re-check, so no wake-up is lost.
    private func signal() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    /// Returns when `ready()` holds: spins first, then sleeps; throws when the channel is aborted.
    private func wait(until ready: () -> Bool) throws {
        if ready() { return }
        var start = timespec(), now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        spinning: while true {
            for _ in 0..<64 {
                if ready() { return }
                if dni_atomic_load_u64(abortFlag) != 0 { throw ChannelAborted() }
                dni_spin_pause()
            }
            clock_gettime(CLOCK_MONOTONIC, &now)
            let elapsed = (Int64(now.tv_sec) - Int64(start.tv_sec)) * 1_000_000_000 + (Int64(now.tv_nsec) - Int64(start.tv_nsec))
            if elapsed >= Int64(spinNanoseconds) { break spinning }
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready() {
            if dni_atomic_load_u64(abortFlag) != 0 { throw ChannelAborted() }
            pthread_cond_wait(changed, mutex)
        }
    }
}
