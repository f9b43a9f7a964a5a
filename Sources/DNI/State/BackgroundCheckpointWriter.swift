/// Writes checkpoints on a thread of its own, so that training goes on while a checkpoint is
/// checksummed, written and flushed to disk (the fsync alone takes about a quarter of a second
/// for the paper's DNI network here). The state tree it is handed is a snapshot — values, not
/// references into the network — so the run computes exactly what it would with synchronous
/// writes; only the time spent waiting changes.
///
/// One write is in flight at a time: ``save(_:)`` first waits for the previous one (and throws
/// its error, if it failed). ``finish()`` waits for the last one; call it before the process
/// reports that a checkpoint was written. A write interrupted by the end of the process leaves
/// the previous checkpoint intact (``AtomicFileWriter``).
public final class BackgroundCheckpointWriter {
    /// Where the checkpoints go.
    public let path: String
    private let header: [UInt8]
    private let leadingSections: [CheckpointSection]
    private var pending: (thread: WorkerThread, outcome: WriteOutcome)?
    /// Seconds the background writes took, summed (checksums, write, fsync, rename).
    public private(set) var writeSeconds = 0.0
    /// Completed writes.
    public private(set) var writes = 0

    /// A writer of checkpoint files at `path` with `header` and, before every state tree's
    /// sections, `leadingSections` (the run's arguments).
    public init(path: String, header: [UInt8], leadingSections: [CheckpointSection] = []) {
        self.path = path
        self.header = header
        self.leadingSections = leadingSections
    }

    deinit { _ = try? finish() }

    /// Starts writing `tree`, after the previous write has finished.
    /// - Throws: ``InputError`` naming the file when the previous write failed, or when no
    ///   thread can be started (then it writes on this thread instead).
    public func save(_ tree: StateTree) throws {
        try finish()
        let file = CheckpointFile(header: header, sections: leadingSections + tree.sections)
        let outcome = WriteOutcome()
        let path = self.path
        guard let thread = WorkerThread.start({
            let clock = ContinuousClock()
            let start = clock.now
            do throws(InputError) {
                try file.write(to: path)
            } catch {
                outcome.error = error
            }
            outcome.seconds = (clock.now - start).seconds
        }) else {
            let clock = ContinuousClock()
            let start = clock.now
            try file.write(to: path)
            writeSeconds += (clock.now - start).seconds
            writes += 1
            return
        }
        pending = (thread, outcome)
    }

    /// Waits for the write in flight, if any.
    /// - Throws: its ``InputError`` when it failed.
    public func finish() throws {
        guard let (thread, outcome) = pending else { return }
        thread.join()
        pending = nil
        writeSeconds += outcome.seconds
        if let error = outcome.error { throw error }
        writes += 1
    }
}

/// What one background write ended with.
private final class WriteOutcome: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: the writer thread sets both fields before it ends, and
    // the owner reads them only after `pthread_join` on that thread, which orders the writes
    // before the reads; nothing else touches them.
    var error: InputError?
    var seconds = 0.0
}
