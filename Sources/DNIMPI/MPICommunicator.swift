#if MPI
import CMPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This process's place in an MPI job (MPI_COMM_WORLD): its rank in 0..<size, the job's size,
/// the host it runs on, and the calls every rank makes together (barrier, broadcast, finalize,
/// abort). Point-to-point messages are in `MPICommunicator+Messages.swift`.
///
/// One per process: MPI can be initialized once. MPI is initialized with
/// `MPI_Init_thread(…, MPI_THREAD_SERIALIZED, …)`: the executor may talk to MPI from whichever
/// thread drives a rank's stages (so MPI_THREAD_FUNNELED, main thread only, is too little), but
/// this type lets only one thread into MPI at a time (every call holds `mutex`), so
/// MPI_THREAD_MULTIPLE, whose internal locking Open MPI pays on every call, is not needed.
///
/// Every wait has a deadline: a rank that died or stopped answering becomes an `MPIError` that
/// names it, never a hang. Errors are returned, not fatal (MPI_ERRORS_RETURN on the world
/// communicator); after one, call `abort(code:message:)`, which ends every rank of the job.
public final class MPICommunicator: @unchecked Sendable {
    // @unchecked Sendable: `handle`, `rank`, `size`, `processorName`, `threadLevel`, `spin` and
    // the pointers are immutable after init; `finalized` and the memory behind
    // `collectiveRequests` are read and written only while `mutex` is held (see `withLock`), and
    // so is every MPI call made through this type, which is what MPI_THREAD_SERIALIZED requires.

    /// Tags at or above this value are reserved for `barrier` and `broadcast`; message tags are
    /// 0..<reservedTagBase (MPI guarantees tags up to 32767).
    public static let reservedTagBase = 32_000
    /// The tag of the barrier's tokens.
    static let barrierTag = Int32(32_000)
    /// The tag of broadcast messages.
    static let broadcastTag = Int32(32_001)

    /// This process's rank, 0..<size.
    public let rank: Int
    /// The number of ranks in the job.
    public let size: Int
    /// The name of the host this rank runs on (MPI_Get_processor_name).
    public let processorName: String
    /// The thread level MPI provides (≥ MPI_THREAD_SERIALIZED, else init throws).
    public let threadLevel: Int32
    /// How long a wait polls without sleeping before it polls every ~20 µs.
    public let spin: Duration

    /// MPI_COMM_WORLD.
    let handle: MPI_Comm?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var finalized = false
    /// 2·(size − 1) request slots for barrier and broadcast, allocated once.
    let collectiveRequests: UnsafeMutablePointer<MPI_Request?>
    /// One byte that zero-length barrier messages point at.
    let token: UnsafeMutableRawPointer

    /// Initializes MPI (`MPI_Init_thread`, requesting MPI_THREAD_SERIALIZED) and reads this
    /// rank's place in the job. `spin`: how long a wait polls without sleeping (latency against
    /// CPU given to the other ranks and threads on the same cores).
    /// Throws if MPI was already initialized or gives less than MPI_THREAD_SERIALIZED.
    public init(spin: Duration = .milliseconds(1)) throws(MPIError) {
        var initialized: Int32 = 0
        var finalizedAlready: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalizedAlready)
        guard initialized == 0, finalizedAlready == 0 else {
            throw .lifecycle("MPI is already initialized or finalized: create one MPICommunicator per process")
        }
        let requested = Int32(MPI_THREAD_SERIALIZED)
        var provided: Int32 = 0
        let code = MPI_Init_thread(nil, nil, requested, &provided)
        guard code == MPI_SUCCESS else {
            throw .call(function: "MPI_Init_thread", code: code, text: "", rank: -1, peer: nil)
        }
        guard provided >= requested else {
            MPI_Finalize()
            throw .threadSupport(requested: requested, provided: provided)
        }
        let world = cmpi_comm_world()
        MPI_Comm_set_errhandler(world, cmpi_errors_return())
        var rank: Int32 = 0
        var size: Int32 = 0
        MPI_Comm_rank(world, &rank)
        MPI_Comm_size(world, &size)
        let nameCapacity = Int(cmpi_max_processor_name()) + 1
        var nameBytes = [CChar](repeating: 0, count: nameCapacity)
        var nameLength: Int32 = 0
        MPI_Get_processor_name(&nameBytes, &nameLength)
        self.handle = world
        self.rank = Int(rank)
        self.size = Int(size)
        self.processorName = String(decoding: nameBytes.prefix(Int(nameLength)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.threadLevel = provided
        self.spin = spin
        self.mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        let slots = max(1, 2 * (Int(size) - 1))
        self.collectiveRequests = .allocate(capacity: slots)
        collectiveRequests.initialize(repeating: cmpi_request_null(), count: slots)
        self.token = .allocate(byteCount: 1, alignment: 1)
        token.storeBytes(of: 0, as: UInt8.self)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        // Unless MPI was finalized, the slots and token are kept: a barrier or broadcast that
        // timed out may have left requests posted on them.
        if !finalized { return }
        collectiveRequests.deallocate()
        token.deallocate()
    }

    /// Runs `body` with `mutex` held: the one thread in MPI at a time.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// True once `finalize()` ran.
    public var isFinalized: Bool { withLock { finalized } }

    /// `finalized`, for callers that already hold `mutex`.
    var isFinalizedUnlocked: Bool { finalized }

    /// Throws `MPIError.call` naming `function` and `peer` if `code` is not MPI_SUCCESS.
    /// `function` is built only on failure, so that checks in polling loops allocate nothing.
    func check(_ code: Int32, _ function: @autoclosure () -> String, peer: Int?) throws(MPIError) {
        guard code != MPI_SUCCESS else { return }
        throw .call(function: function(), code: code, text: Self.errorText(code), rank: rank, peer: peer)
    }

    /// MPI_Error_string of `code`.
    static func errorText(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        return String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Calls `attempt` until it returns true (→ true) or `deadline` passes (→ false). Polls
    /// without sleeping for `spin`, yielding the core every 64 polls, then every ~20 µs.
    func poll(until deadline: ContinuousClock.Instant, _ attempt: () throws(MPIError) -> Bool) throws(MPIError) -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        var polls = 0
        while true {
            if try attempt() { return true }
            let now = clock.now
            if now >= deadline { return false }
            polls += 1
            if now - start < spin {
                if polls & 63 == 0 { sched_yield() }
            } else {
                usleep(20)
            }
        }
    }

    /// Waits until every rank has entered the barrier, or throws `MPIError.timedOut` naming the
    /// ranks that did not arrive within `timeout`.
    ///
    /// Every rank sends a zero-byte token to every other rank and waits for all of theirs
    /// (2·(size − 1) messages per rank), so that on a timeout each rank knows exactly which peers
    /// are missing, which MPI_Ibarrier cannot say. Meant for start-up and shutdown, not per step.
    /// Like every collective, call it from one thread at a time.
    public func barrier(timeout: Duration) throws(MPIError) {
        let deadline = ContinuousClock().now + timeout
        let peers = (0..<size).filter { $0 != rank }
        guard !peers.isEmpty else { return }
        try withLock { () throws(MPIError) in
            guard !finalized else { throw .lifecycle("rank \(rank): barrier after finalize") }
            for (slot, peer) in peers.enumerated() {
                try check(MPI_Irecv(token, 0, cmpi_byte(), Int32(peer), Self.barrierTag, handle,
                                    collectiveRequests + slot), "MPI_Irecv (barrier)", peer: peer)
                try check(MPI_Isend(token, 0, cmpi_byte(), Int32(peer), Self.barrierTag, handle,
                                    collectiveRequests + peers.count + slot), "MPI_Isend (barrier)", peer: peer)
            }
        }
        let done = try poll(until: deadline) { () throws(MPIError) -> Bool in
            let received = try testCollective(peers: peers, slotsFrom: 0, operation: "barrier")
            let sent = try testCollective(peers: peers, slotsFrom: peers.count, operation: "barrier")
            return received && sent
        }
        if !done {
            let missing = withLock { peers.indices.filter { collectiveRequests[$0] != cmpi_request_null() }.map { peers[$0] } }
            throw .timedOut(operation: "barrier", rank: rank, peers: missing, tag: Int(Self.barrierTag),
                            seconds: timeout.seconds)
        }
    }

    /// Tests the collective requests in slots `slotsFrom..<slotsFrom + peers.count` (slot i for
    /// `peers[i]`); true when all are complete.
    func testCollective(peers: [Int], slotsFrom first: Int, operation: String) throws(MPIError) -> Bool {
        try withLock { () throws(MPIError) -> Bool in
            var all = true
            for (index, peer) in peers.enumerated() where collectiveRequests[first + index] != cmpi_request_null() {
                var flag: Int32 = 0
                try check(MPI_Test(collectiveRequests + first + index, &flag, cmpi_status_ignore()),
                          "MPI_Test (\(operation))", peer: peer)
                if flag == 0 { all = false }
            }
            return all
        }
    }

    /// Sends `bytes` from rank `root` to every rank and returns them (on `root`, its own
    /// `bytes`; elsewhere `bytes` is ignored): for the initial configuration, not per step.
    /// Throws `MPIError.timedOut` naming `root` (on the other ranks) or the ranks that did not
    /// take the message (on `root`) if it does not complete within `timeout`. Like every
    /// collective, call it from one thread at a time.
    public func broadcast(_ bytes: [UInt8], root: Int, timeout: Duration) throws(MPIError) -> [UInt8] {
        guard (0..<size).contains(root) else { throw .invalidArgument("broadcast: root \(root) is not a rank of 0..<\(size)") }
        let deadline = ContinuousClock().now + timeout
        if rank == root {
            let peers = (0..<size).filter { $0 != rank }
            guard !peers.isEmpty else { return bytes }
            let message = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
            bytes.withUnsafeBytes { message.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(token), byteCount: $0.count) }
            try withLock { () throws(MPIError) in
                guard !finalized else { throw .lifecycle("rank \(rank): broadcast after finalize") }
                for (slot, peer) in peers.enumerated() {
                    try check(MPI_Isend(message, Int32(bytes.count), cmpi_byte(), Int32(peer), Self.broadcastTag,
                                        handle, collectiveRequests + slot), "MPI_Isend (broadcast)", peer: peer)
                }
            }
            let done = try poll(until: deadline) { () throws(MPIError) -> Bool in
                try testCollective(peers: peers, slotsFrom: 0, operation: "broadcast")
            }
            guard done else {
                // `message` is left allocated: MPI may still read it.
                let missing = withLock { peers.indices.filter { collectiveRequests[$0] != cmpi_request_null() }.map { peers[$0] } }
                throw .timedOut(operation: "broadcast from rank \(root)", rank: rank, peers: missing,
                                tag: Int(Self.broadcastTag), seconds: timeout.seconds)
            }
            message.deallocate()
            return bytes
        }
        var status = MPI_Status()
        let arrived = try poll(until: deadline) { () throws(MPIError) -> Bool in
            try withLock { () throws(MPIError) -> Bool in
                var flag: Int32 = 0
                try check(MPI_Iprobe(Int32(root), Self.broadcastTag, handle, &flag, &status), "MPI_Iprobe (broadcast)", peer: root)
                return flag != 0
            }
        }
        guard arrived else {
            throw .timedOut(operation: "broadcast from rank \(root)", rank: rank, peers: [root],
                            tag: Int(Self.broadcastTag), seconds: timeout.seconds)
        }
        var count: Int32 = 0
        MPI_Get_count(&status, cmpi_byte(), &count)
        var received = [UInt8](repeating: 0, count: Int(count))
        try withLock { () throws(MPIError) in
            let code = received.withUnsafeMutableBytes {
                MPI_Recv($0.baseAddress ?? token, count, cmpi_byte(), Int32(root), Self.broadcastTag, handle, cmpi_status_ignore())
            }
            try check(code, "MPI_Recv (broadcast)", peer: root)
        }
        return received
    }

    /// Ends MPI for this process (MPI_Finalize). Call it explicitly once every rank is done
    /// (after a `barrier(timeout:)` that succeeded: MPI_Finalize itself waits for every rank and
    /// has no deadline). Throws if already finalized.
    public func finalize() throws(MPIError) {
        try withLock { () throws(MPIError) in
            guard !finalized else { throw .lifecycle("rank \(rank): MPI is already finalized") }
            finalized = true
            try check(MPI_Finalize(), "MPI_Finalize", peer: nil)
        }
    }

    /// Prints `message` (prefixed with this rank) on standard error and ends every rank of the job
    /// with exit code `code` (MPI_Abort on MPI_COMM_WORLD); the way out after an `MPIError`.
    public func abort(code: Int32 = 1, message: String) -> Never {
        var line = "rank \(rank) (\(processorName)): \(message)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        // No lock: another thread may be blocked in a wait holding it briefly, and MPI_Abort
        // is meant to be callable when the job is in any state.
        MPI_Abort(handle, code)
        _exit(code)
    }
}

extension Duration {
    /// This duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
#endif
