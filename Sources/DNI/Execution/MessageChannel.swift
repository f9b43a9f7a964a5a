import CLinalgKernels
import Linalg

/// One message between neighbouring stage groups: a batch id and a matrix — the activation hᵢ
/// going up (with the batch's `target`, which cDNI synthesizers read as the condition c and the
/// top stage's loss compares against), or the bootstrapped target δᵢ going down.
///
/// Messages are preallocated slots of a ``MessageChannel``: the sender copies into a free slot,
/// the receiver reads it in place and gives it back, so a warmed-up channel allocates nothing.
public final class Message: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: a slot is used by one side at a time. The sender writes
    // it only between `reserve` and `publish`, the receiver reads it only between `next` and
    // `release`; the channel's counters, stored with release and loaded with acquire ordering
    // (and re-checked under its mutex before sleeping), order every write before the other
    // side's first read.
    /// The batch (or micro-batch) id.
    public var batch = 0
    /// hᵢ going up, δᵢ going down.
    public var matrix = Matrix.empty
    /// The batch's targets, going up only.
    public var target = Matrix.empty

    /// An empty message slot.
    public init() {}
}

/// Why a channel gave up waiting: another stage group failed, and its error is the one reported.
public struct ChannelAborted: Error {}

/// A bounded single-producer, single-consumer queue of ``Message`` slots between two threads.
///
/// Waiting sides spin, then sleep (``WaitSignal``). Back-pressure: a sender waits when every slot is taken. ``abort()`` wakes both sides, which
/// then throw ``ChannelAborted``.
final class MessageChannel: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: `slots` is immutable; the counters are only accessed
    // through the C atomics (acquire/release); `heldCount` is touched only by the consumer's
    // single thread (one producer, one consumer, by construction in the executors); `signal`
    // is Sendable.
    private let slots: [Message]
    /// Messages published (producer) and released (consumer), as ever-growing counters.
    private let published: UnsafeMutablePointer<UInt64>
    private let released: UnsafeMutablePointer<UInt64>
    /// Where each side waits for the other.
    private let signal: WaitSignal
    /// Consumer side: messages taken with `next` and not yet released.
    private var heldCount: UInt64 = 0

    /// A channel of `capacity` slots.
    init(capacity: Int, spinNanoseconds: UInt64 = 500_000) {
        precondition(capacity >= 1, "a channel needs at least one slot")
        slots = (0..<capacity).map { _ in Message() }
        published = .allocate(capacity: 1)
        published.initialize(to: 0)
        released = .allocate(capacity: 1)
        released.initialize(to: 0)
        signal = WaitSignal(spinNanoseconds: spinNanoseconds)
    }

    deinit {
        published.deallocate()
        released.deallocate()
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
        signal.signal()
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
        signal.signal()
    }

    /// Wakes both sides for good: every wait from now on throws ``ChannelAborted``.
    func abort() { signal.abort() }

    /// Returns when `ready()` holds (see ``WaitSignal``); throws when the channel is aborted.
    private func wait(until ready: () -> Bool) throws { try signal.wait(until: ready) }
}
