import Linalg

/// An executor whose in-flight state between segments a checkpoint can save and restore: the
/// targets waiting for their synthesizer's turn (in the stage's own inbox, or in the inbox of
/// the neighbouring group that trains that synthesizer) and the counters its groups keep.
/// Everything else in flight — the synthesizers' held predictions — lives in the stages.
///
/// Sequential and pipelined execution resume; an MPI run, whose stages live in other
/// processes, does not yet.
protocol ResumableExecutor: Executor {
    /// The groups, bottom first (none for an executor with a loop of its own).
    var resumableWorkers: [StageGroupWorker] { get }
    /// Sets every group's counters to continue before batch `nextBatch`.
    func resume(atBatch nextBatch: Int)
    /// Writes what the executor itself holds beyond the network's stages (the complete unlock's
    /// input models); nothing by default.
    func saveExecutorState(into tree: inout StateTree)
    /// Reads back what ``saveExecutorState(into:)`` wrote, when a run resumes (evaluating a
    /// checkpoint needs only the stages). By default, refuses the state of an executor with
    /// more to restore (a complete-unlock run's input models).
    func loadExecutorState(from tree: StateTree) throws(InputError)
}

extension ResumableExecutor {
    /// The targets waiting for stage `index`'s synthesizer, in batch order.
    func waitingTargets(ofStage index: Int) -> [(batch: Int, target: Matrix)] {
        for worker in resumableWorkers {
            if let inbox = worker.borrowedInbox(ofStage: index) { return inbox.waiting }
        }
        return network.stages[index].inbox.waiting
    }

    /// Puts `entries` where stage `index`'s synthesizer takes its targets from.
    func setWaitingTargets(_ entries: [(batch: Int, target: Matrix)], ofStage index: Int) throws(InputError) {
        for worker in resumableWorkers where try worker.replaceBorrowedInbox(ofStage: index, with: entries) { return }
        try network.stages[index].inbox.replace(with: entries)
    }

    /// Sets every group's counters to continue before batch `nextBatch`.
    func resume(atBatch nextBatch: Int) {
        for worker in resumableWorkers { worker.resume(atBatch: nextBatch) }
    }

    func saveExecutorState(into tree: inout StateTree) {}

    func loadExecutorState(from tree: StateTree) throws(InputError) {
        if tree.contains("unlock.input_models") {
            throw InputError("was written with --unlock forward: resume it with that flag")
        }
    }
}

extension SequentialExecutor: ResumableExecutor {
    var resumableWorkers: [StageGroupWorker] { [worker] }
}

extension PipelinedExecutor: ResumableExecutor {
    var resumableWorkers: [StageGroupWorker] { workers }
}
