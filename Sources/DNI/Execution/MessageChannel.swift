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
    /// Going down: 0 for the target of the lower group's top synthesizer, 1 for the target of
    /// the upper group's first synthesizer when the lower group trains it (``SynthesizerPlacement/below``).
    public var kind = 0

    /// An empty message slot.
    public init() {}
}

/// Why a channel gave up waiting: another stage group failed, and its error is the one reported.
public struct ChannelAborted: Error {}

/// A bounded single-producer, single-consumer queue of ``Message`` slots between two threads.
///
/// Waiting sides spin, then sleep (``WaitSignal``). Back-pressure: a sender waits when every
/// slot is taken. ``abort()`` wakes both sides, which then throw ``ChannelAborted``.
final class MessageChannel: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: `slots` is immutable; the counters are `AtomicCounter`s
    // (acquire loads, release stores); `heldCount` is touched only by the consumer's
    // single thread (one producer, one consumer, by construction in the executors); `signal`
    // is Sendable.
    private let slots: [Message]
    /// Messages published (producer) and released (consumer), as ever-growing counters.
    private let published = AtomicCounter()
    private let released = AtomicCounter()
    /// Where each side waits for the other.
    private let signal: WaitSignal
    /// Consumer side: messages taken with `next` and not yet released.
    private var heldCount: UInt64 = 0

    /// A channel of `capacity` slots.
    init(capacity: Int, spinNanoseconds: UInt64 = 500_000) {
        precondition(capacity >= 1, "a channel needs at least one slot")
        slots = (0..<capacity).map { _ in Message() }
        signal = WaitSignal(spinNanoseconds: spinNanoseconds)
    }

    /// Number of slots.
    var capacity: Int { slots.count }

    /// Messages published and not yet released (either side may call it).
    var pendingCount: Int { Int(published.value - released.value) }

    /// Producer: waits for a free slot and returns it for filling; ``publish()`` sends it.
    func reserve() throws -> Message {
        let capacity = UInt64(slots.count)
        try wait { self.published.value - self.released.value < capacity }
        return slots[Int(published.value % capacity)]
    }

    /// Producer: sends the slot returned by the last ``reserve()``.
    func publish() {
        published.store(published.value + 1)
        signal.signal()
    }

    /// Consumer: waits for the next message not yet taken and returns it; it stays valid until
    /// ``release()`` gives it back (messages are released in the order they were taken).
    func next() throws -> Message {
        let wanted = released.value + heldCount
        try wait { self.published.value > wanted }
        heldCount += 1
        return slots[Int(wanted % UInt64(slots.count))]
    }

    /// Consumer: gives back the oldest message taken with ``next()``.
    func release() {
        precondition(heldCount > 0, "release() without a message taken")
        heldCount -= 1
        released.store(released.value + 1)
        signal.signal()
    }

    /// Wakes both sides for good: every wait from now on throws ``ChannelAborted``.
    func abort() { signal.abort() }

    /// Returns when `ready()` holds (see ``WaitSignal``); throws when the channel is aborted.
    private func wait(until ready: () -> Bool) throws { try signal.wait(until: ready) }
}
