import CLinalgKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one thread waits for a condition that another thread makes true by an atomic store:
/// the waiter spins (with the CPU's pause hint) for ``spinNanoseconds``, then sleeps on a
/// condition variable until ``signal()``. On the virtual machines we measure on, waking a
/// sleeping vCPU costs as much as a small matrix product, while most waits between balanced
/// stage groups are short. ``abort()`` ends every wait, now and later, with ``ChannelAborted``.
final class WaitSignal: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: the abort flag is accessed only through the C atomics,
    // the mutex and condition variable only through pthread calls; there is no other state.
    private let abortFlag: UnsafeMutablePointer<UInt64>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    /// How long a waiting side spins before it sleeps.
    let spinNanoseconds: UInt64

    /// A signal whose waiters spin for `spinNanoseconds` before sleeping.
    init(spinNanoseconds: UInt64) {
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
        abortFlag.deallocate()
        pthread_cond_destroy(changed)
        changed.deinitialize(count: 1)
        changed.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Wakes every sleeping waiter to re-check its condition. Call it after the atomic store that
    /// may make a condition true: taking the mutex orders that store before the sleeper's
    /// re-check, so no wake-up is lost.
    func signal() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    /// Ends every wait, now and later, with ``ChannelAborted``.
    func abort() {
        pthread_mutex_lock(mutex)
        dni_atomic_store_u64(abortFlag, 1)
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    /// Returns when `ready()` holds: spins first, then sleeps; throws when aborted.
    func wait(until ready: () -> Bool) throws {
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
