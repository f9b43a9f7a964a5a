#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small set of persistent worker threads that run the strips of one ``PackedGEMM`` product.
///
/// `DispatchQueue.concurrentPerform` allocates a few blocks per call; these threads are started
/// once (on the first parallel product) and then woken with a condition variable, so a warm
/// multi-threaded product allocates nothing. The calling thread takes strips too. One product
/// at a time uses the pool: a second caller that finds it busy (two pipeline stages sharing a
/// kernel value) runs its product on its own thread instead of waiting.
///
/// The pool belongs to a kernel value (no global state); when the last copy of that value goes
/// away the workers are told to stop and are joined.
final class GEMMWorkerPool: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: every mutable field of `state` is read and written only
    // with `state.mutex` held (the workers' loop, `run`, `deinit`); `busy` is a mutex used only
    // through trylock/unlock; `threads` and `started` are written in `startIfNeeded` with `busy`
    // held and read in `deinit`, when no other reference to the pool exists.
    private let state: WorkerState
    private let busy: UnsafeMutablePointer<pthread_mutex_t>
    private var threads: [pthread_t] = []
    /// Whether `startIfNeeded` has run (if a thread could not be created, the pool runs with
    /// fewer workers rather than retrying on every product).
    private var started = false
    /// Worker threads to start (the calling thread is the last worker).
    let workerCount: Int

    /// A pool of `workerCount` threads besides the caller's; none start until first needed.
    init(workerCount: Int) {
        self.workerCount = max(0, workerCount)
        state = WorkerState()
        busy = .allocate(capacity: 1)
        busy.initialize(to: pthread_mutex_t())
        pthread_mutex_init(busy, nil)
    }

    deinit {
        pthread_mutex_lock(state.mutex)
        state.shutdown = true
        pthread_cond_broadcast(state.wake)
        pthread_mutex_unlock(state.mutex)
        for thread in threads { pthread_join(thread, nil) }
        pthread_mutex_destroy(busy)
        busy.deinitialize(count: 1)
        busy.deallocate()
    }

    /// Computes every strip of `plan` with `kernel`, on the workers and the calling thread, and
    /// returns when all are done. Returns false, having run nothing, when another product is
    /// using the pool (the caller then runs the strips itself).
    func run(kernel: PackedGEMM, plan: PackedGEMM.StripPlan) -> Bool {
        guard pthread_mutex_trylock(busy) == 0 else { return false }
        defer { pthread_mutex_unlock(busy) }
        startIfNeeded()
        pthread_mutex_lock(state.mutex)
        state.job = (kernel, plan)
        state.nextStrip = 0
        state.finishedStrips = 0
        state.generation &+= 1
        pthread_cond_broadcast(state.wake)
        state.takeStrips()
        while state.finishedStrips < plan.strips { pthread_cond_wait(state.done, state.mutex) }
        // Drop the job: it holds the kernel, whose pool holds this state.
        state.job = nil
        pthread_mutex_unlock(state.mutex)
        return true
    }

    /// Starts the worker threads on first use. Called with `busy` held.
    private func startIfNeeded() {
        if started { return }
        started = true
        threads.reserveCapacity(workerCount)
        for _ in 0..<workerCount {
            let context = Unmanaged.passRetained(state).toOpaque()
            #if canImport(Darwin)
            var thread: pthread_t?
            let status = pthread_create(&thread, nil, { context in
                Unmanaged<WorkerState>.fromOpaque(context).takeRetainedValue().workLoop()
                return nil
            }, context)
            if status == 0, let thread { threads.append(thread) } else { Unmanaged<WorkerState>.fromOpaque(context).release() }
            #else
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { context in
                Unmanaged<WorkerState>.fromOpaque(context!).takeRetainedValue().workLoop()
                return nil
            }, context)
            if status == 0 { threads.append(thread) } else { Unmanaged<WorkerState>.fromOpaque(context).release() }
            #endif
        }
    }
}

/// The state the workers share with the caller; every field is guarded by `mutex`.
private final class WorkerState: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: see GEMMWorkerPool — all fields below are accessed
    // only with `mutex` held (`takeStrips` and `workLoop` are called or run with it held).
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let wake: UnsafeMutablePointer<pthread_cond_t>
    let done: UnsafeMutablePointer<pthread_cond_t>
    /// The product being computed, if any.
    var job: (kernel: PackedGEMM, plan: PackedGEMM.StripPlan)?
    var nextStrip = 0
    var finishedStrips = 0
    var generation: UInt64 = 0
    var shutdown = false

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        wake = .allocate(capacity: 1)
        wake.initialize(to: pthread_cond_t())
        pthread_cond_init(wake, nil)
        done = .allocate(capacity: 1)
        done.initialize(to: pthread_cond_t())
        pthread_cond_init(done, nil)
    }

    deinit {
        pthread_cond_destroy(done)
        done.deinitialize(count: 1)
        done.deallocate()
        pthread_cond_destroy(wake)
        wake.deinitialize(count: 1)
        wake.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs unclaimed strips of the current job until none is left. Called with `mutex` held;
    /// releases it while a strip runs.
    func takeStrips() {
        while let job, nextStrip < job.plan.strips {
            let strip = nextStrip
            nextStrip += 1
            pthread_mutex_unlock(mutex)
            job.kernel.run(strip: strip, of: job.plan)
            pthread_mutex_lock(mutex)
            finishedStrips += 1
            if finishedStrips == job.plan.strips { pthread_cond_signal(done) }
        }
    }

    /// A worker thread's life: wait for a new job (a new generation), help with it, repeat.
    func workLoop() {
        pthread_mutex_lock(mutex)
        var seen = generation
        while true {
            while generation == seen && !shutdown { pthread_cond_wait(wake, mutex) }
            if shutdown { break }
            seen = generation
            takeStrips()
        }
        pthread_mutex_unlock(mutex)
    }
}
