import CLinalgKernels

/// A 64-bit counter that one thread advances and another watches: stores with release ordering,
/// loads with acquire ordering, so whatever the writer did before a store is visible to a reader
/// that sees it (the C atomics of `CLinalgKernels`; Swift's own `Atomic` needs macOS 15).
final class AtomicCounter: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: the word is read and written only through the C atomics.
    private let word: UnsafeMutablePointer<UInt64>

    /// A counter at `value`.
    init(_ value: UInt64 = 0) {
        word = .allocate(capacity: 1)
        word.initialize(to: value)
    }

    deinit { word.deallocate() }

    /// The current value (acquire).
    var value: UInt64 { dni_atomic_load_u64(word) }

    /// Sets the value (release).
    func store(_ value: UInt64) { dni_atomic_store_u64(word, value) }
}
