/// Runs the stage groups of one segment at the same time: group 0 on the calling thread, every
/// other group on a ``WorkerThread`` of its own, joined before it returns. The first group to
/// fail records its error and calls `abort`, which must wake every wait of the other groups (abort
/// their channels and turns) so that they fail too instead of waiting forever; that first error
/// is the one thrown. Used by the pipelined executors, DNI's and the complete unlock's.
enum ConcurrentGroups {
    /// Runs `body(g)` for each group g in `0..<count` at once and returns when all are done.
    static func run(count: Int, abort: @escaping @Sendable () -> Void,
                    _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let failures = FailureBox(groups: count)
        var threads: [WorkerThread] = []
        for group in 1..<max(1, count) {
            let thread = WorkerThread.start {
                do {
                    try body(group)
                } catch {
                    failures.record(error, group: group)
                    abort()
                }
            }
            guard let thread else {
                abort()
                for started in threads { started.join() }
                throw ExecutionFailure("could not start a thread for stage group \(group + 1)")
            }
            threads.append(thread)
        }
        do {
            try body(0)
        } catch {
            failures.record(error, group: 0)
            abort()
        }
        for thread in threads { thread.join() }
        if let error = failures.firstError { throw error }
    }
}
