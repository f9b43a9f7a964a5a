#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The errors the threads of one pipelined segment ran into, one slot per stage group. The
/// first real error (not a ``ChannelAborted`` echo of another group's failure) is reported.
final class FailureBox: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: `errors` is read and written only with `mutex` held.
    private var errors: [(any Error)?]
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// A box for `groups` stage groups.
    init(groups: Int) {
        errors = Array(repeating: nil, count: groups)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Records that group `group` failed with `error`.
    func record(_ error: any Error, group: Int) {
        pthread_mutex_lock(mutex)
        errors[group] = error
        pthread_mutex_unlock(mutex)
    }

    /// The lowest group's error that is not an abort echo, else any error, else nil.
    var firstError: (any Error)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return errors.first { $0 != nil && !($0! is ChannelAborted) } ?? errors.first { $0 != nil } ?? nil
    }
}
