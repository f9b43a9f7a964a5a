#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX thread that runs one closure and is joined by its starter: the pipelined executor
/// runs each stage group but the first on one of these. Starting a thread allocates; the
/// executor starts its threads once per segment (an epoch, or the steps between two probes),
/// never per step.
struct WorkerThread {
    private let thread: pthread_t

    /// Starts a thread running `body`; returns nil when the system refuses a new thread.
    static func start(_ body: @escaping @Sendable () -> Void) -> WorkerThread? {
        let context = Unmanaged.passRetained(ClosureBox(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<ClosureBox>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
        guard status == 0, let thread else {
            Unmanaged<ClosureBox>.fromOpaque(context).release()
            return nil
        }
        return WorkerThread(thread: thread)
        #else
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<ClosureBox>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<ClosureBox>.fromOpaque(context).release()
            return nil
        }
        return WorkerThread(thread: thread)
        #endif
    }

    /// Waits for the thread to finish. Everything the thread wrote is visible afterwards
    /// (`pthread_join` is a happens-before edge).
    func join() {
        pthread_join(thread, nil)
    }
}

/// The closure a ``WorkerThread`` runs, boxed to cross `pthread_create`'s `void *`.
private final class ClosureBox: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
