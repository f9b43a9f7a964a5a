import CLinalgKernels

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
/// multi-threaded product allocates nothing. Between products a worker first spins for
/// ``WorkerState/spinNanoseconds`` watching an atomic copy of the job counter, and only then
/// sleeps on the condition variable; the caller likewise spins before sleeping while it waits
/// for the last strip. Waking a sleeping thread costs a system call on both sides and, on a
/// virtual machine whose idle vCPU has halted, a trip through the hypervisor: on the 2-core
/// Firecracker VM this project measures on, that made a second thread worth nothing for a
/// 256×256×256 product (0.35 ms), while back-to-back products of a training step arrive well
/// within the spin window. The calling thread takes strips too. One product
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
        dni_atomic_store_u64(state.publishedFinished, 0)
        dni_atomic_store_u64(state.publishedGeneration, state.generation)
        pthread_cond_broadcast(state.wake)
        state.takeStrips()
        if state.finishedStrips < plan.strips {
            pthread_mutex_unlock(state.mutex)
            let strips = UInt64(plan.strips), finished = state.publishedFinished
            state.spin { dni_atomic_load_u64(finished) >= strips }
            pthread_mutex_lock(state.mutex)
        }
        while state.finishedStrips < plan.strips { pthread_cond_wait(state.done, state.mutex) }
        // Drop the job: it holds the kernel, whose pool holds this state.
        state.job = nil
        pthread_mutex_unlock(state.mutex)
        return true
    }

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
    // only with `mutex` held (`takeStrips` and `workLoop` are called or run with it held),
    // except the two `published…` words, which are written with the mutex held and read
    // without it only through the C atomics (acquire/release), to decide when to stop spinning;
    // every decision that matters is then re-checked under the mutex.
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let wake: UnsafeMutablePointer<pthread_cond_t>
    let done: UnsafeMutablePointer<pthread_cond_t>
    /// The product being computed, if any.
    var job: (kernel: PackedGEMM, plan: PackedGEMM.StripPlan)?
    var nextStrip = 0
    var finishedStrips = 0
    var generation: UInt64 = 0
    var shutdown = false
    /// `generation` and `finishedStrips`, stored atomically whenever they change (with `mutex`
    /// held), so that a spinning thread can watch them without taking the mutex.
    let publishedGeneration: UnsafeMutablePointer<UInt64>
    let publishedFinished: UnsafeMutablePointer<UInt64>
    /// How long a thread spins before it sleeps: longer than the gaps between the products of a
    /// training step (batch norm, the optimizer), short enough to cost little when idle.
    static let spinNanoseconds: UInt64 = 200_000

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
        publishedGeneration = .allocate(capacity: 1)
        publishedGeneration.initialize(to: 0)
        publishedFinished = .allocate(capacity: 1)
        publishedFinished.initialize(to: 0)
    }

    deinit {
        publishedGeneration.deallocate()
        publishedFinished.deallocate()
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
            dni_atomic_store_u64(publishedFinished, UInt64(finishedStrips))
            if finishedStrips == job.plan.strips { pthread_cond_signal(done) }
        }
    }

    /// A worker thread's life: wait for a new job (a new generation), help with it, repeat.
    func workLoop() {
        pthread_mutex_lock(mutex)
        var seen = generation
        while true {
            if generation == seen && !shutdown {
                pthread_mutex_unlock(mutex)
                let published = publishedGeneration, last = seen
                spin { dni_atomic_load_u64(published) != last }
                pthread_mutex_lock(mutex)
            }
            while generation == seen && !shutdown { pthread_cond_wait(wake, mutex) }
            if shutdown { break }
            seen = generation
            takeStrips()
        }
        pthread_mutex_unlock(mutex)
    }

    /// Spins (with the CPU's pause hint) until `condition` holds or ``spinNanoseconds`` pass.
    /// Called without `mutex` held; the caller re-checks under the mutex before sleeping.
    func spin(until condition: () -> Bool) {
        _ = spinWait(nanoseconds: Self.spinNanoseconds, until: condition)
    }
}
