/// Checkpoints of runs with the complete unlock: the stages as for every executor (each stage
/// keeps its targets in its own inbox), plus the input models at `unlock.input_model.<i>`
/// (stage i ≥ 1), plus each group's count of the targets received from above.
extension ForwardUnlockedExecutor: ResumableExecutor {
    var resumableWorkers: [StageGroupWorker] { [] }

    func resume(atBatch nextBatch: Int) {
        for worker in workers { worker.resume(atBatch: nextBatch) }
    }

    func saveExecutorState(into tree: inout StateTree) {
        tree.set("unlock.input_models", integer: inputModels.count)
        for (offset, model) in inputModels.enumerated() {
            model.saveState(into: &tree, path: "unlock.input_model.\(offset + 1)")
        }
    }

    func loadExecutorState(from tree: StateTree) throws(InputError) {
        guard tree.contains("unlock.input_models") else {
            throw InputError("was written without --unlock forward: it holds no synthetic-input models")
        }
        let count = try tree.integer("unlock.input_models")
        guard count == inputModels.count else {
            throw InputError("holds \(count) synthetic-input models; this network has \(inputModels.count)")
        }
        for (offset, model) in inputModels.enumerated() {
            try model.loadState(from: tree, path: "unlock.input_model.\(offset + 1)")
        }
    }
}

extension UnlockedGroupWorker {
    /// Continues before batch `nextBatch`: the targets of every earlier batch have come down.
    func resume(atBatch nextBatch: Int) {
        targetsReceivedThrough = nextBatch - 1
    }
}
