import Linalg

extension Stage {
    /// Writes the stage's state at `path` (`stage.<index>`): its body (parameters, running
    /// statistics, feedback-alignment matrices), optimizer, random stream, direct-feedback
    /// matrix, and its synthesizer with the batches it holds and `waitingTargets`, the targets
    /// that wait for the synthesizer's turn (wherever the executor keeps them).
    func saveState(into tree: inout StateTree, path: String, waitingTargets: [(batch: Int, target: Matrix)]) {
        body.saveState(into: &tree, path: "\(path).body")
        for (index, layer) in body.layers.enumerated() {
            if let dense = layer as? Dense, let feedback = dense.feedbackWeights {
                tree.set("\(path).body.\(index).feedback", matrix: feedback)
            }
        }
        optimizer.saveState(into: &tree, path: "\(path).optimizer")
        tree.set("\(path).generator", generator: generator)
        if let directFeedback { tree.set("\(path).direct_feedback", matrix: directFeedback) }
        if let synthesizer {
            synthesizer.saveState(into: &tree, path: "\(path).synthesizer")
            TargetInbox.save(waitingTargets, into: &tree, path: "\(path).synthesizer.waiting_targets")
        }
    }

    /// Reads back what ``saveState(into:path:waitingTargets:)`` wrote and returns the waiting
    /// targets, for the executor to put where it keeps them.
    func loadState(from tree: StateTree, path: String) throws(InputError) -> [(batch: Int, target: Matrix)] {
        try body.loadState(from: tree, path: "\(path).body")
        for (index, layer) in body.layers.enumerated() {
            if let dense = layer as? Dense, let feedback = dense.feedbackWeights {
                dense.feedbackWeights = try tree.matrix("\(path).body.\(index).feedback", rows: feedback.rows,
                                                        columns: feedback.columns)
            }
        }
        try optimizer.loadState(from: tree, path: "\(path).optimizer", parameters: body.parameters)
        generator = try tree.generator("\(path).generator")
        if let directFeedback {
            self.directFeedback = try tree.matrix("\(path).direct_feedback", rows: directFeedback.rows,
                                                  columns: directFeedback.columns)
        }
        guard let synthesizer else {
            if tree.contains("\(path).synthesizer.updates") {
                throw InputError("has a synthesizer at '\(path)'; this network has none there")
            }
            return []
        }
        try synthesizer.loadState(from: tree, path: "\(path).synthesizer")
        var inbox = TargetInbox()
        inbox.reserveCapacity(synthesizer.capacity + 1)
        try inbox.load(from: tree, path: "\(path).synthesizer.waiting_targets")
        let held = Set(synthesizer.heldBatches)
        for (batch, target) in inbox.waiting {
            guard target.columns == synthesizer.activationSize, target.rows >= 1, held.contains(batch) else {
                throw InputError("'\(path).synthesizer.waiting_targets.\(batch)' is not a target for a batch the synthesizer holds")
            }
        }
        return inbox.waiting
    }
}

extension Network {
    /// Every parameter in path order — each stage's body, then its synthesizer, stage after
    /// stage — for ``parametersSHA256``.
    var parametersInPathOrder: [Parameter] {
        stages.flatMap { $0.parameters + ($0.synthesizer?.parameters ?? []) }
    }

    /// SHA-256 of every parameter's values (float32 bit patterns, little-endian) in path order:
    /// equal digests mean equal weights, bit for bit.
    public var parametersSHA256: String {
        var digest = SHA256()
        for parameter in parametersInPathOrder {
            parameter.value.withUnsafeBufferPointer { digest.update(floats: $0) }
        }
        return digest.finishHexadecimal()
    }
}

extension ResumableExecutor {
    /// Writes the network's state, with what is in flight between segments, under `stage.<i>`.
    func saveNetworkState(into tree: inout StateTree) {
        tree.set("network.stages", integer: network.stages.count)
        for (index, stage) in network.stages.enumerated() {
            stage.saveState(into: &tree, path: "stage.\(index)", waitingTargets: waitingTargets(ofStage: index))
        }
        saveExecutorState(into: &tree)
    }

    /// Reads back what ``saveNetworkState(into:)`` wrote and sets the executor to continue
    /// before batch `nextBatch`.
    func loadNetworkState(from tree: StateTree, nextBatch: Int) throws(InputError) {
        let count = try tree.integer("network.stages")
        guard count == network.stages.count else {
            throw InputError("holds a network of \(count) stages; this one has \(network.stages.count)")
        }
        for (index, stage) in network.stages.enumerated() {
            let waiting = try stage.loadState(from: tree, path: "stage.\(index)")
            try setWaitingTargets(waiting, ofStage: index)
        }
        resume(atBatch: nextBatch)
    }
}
