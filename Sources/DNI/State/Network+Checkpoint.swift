extension Network {
    /// Puts the state a checkpoint saved (``Trainer/run(checkpoints:onEvent:)``) into this
    /// network, built from the same configuration: every parameter, running statistic and
    /// optimizer state, and the batches its synthesizers held. For evaluating a checkpoint
    /// (`dni eval`); a run that goes on training resumes through its trainer instead.
    /// - Throws: ``InputError`` naming the first path that does not fit this network.
    public func loadState(from tree: StateTree) throws(InputError) {
        var held = 1
        for index in stages.indices {
            let path = "stage.\(index).synthesizer.held_batches"
            if tree.contains(path) { held = max(held, try tree.integers(path).count) }
        }
        let position = tree.contains("trainer.position") ? try tree.integers("trainer.position") : []
        let executor = SequentialExecutor(network: self, delay: held)
        try executor.loadNetworkState(from: tree, nextBatch: position.count > 4 ? position[4] : 0)
    }
}

/// Where a checkpoint's run stood: its epoch and the training steps it had taken.
public struct CheckpointPosition: Sendable, Equatable {
    /// The epoch under way (or the last one finished, at the end of a run).
    public var epoch: Int
    /// Training steps taken in the run.
    public var steps: Int

    /// The position saved in `tree`.
    public init(_ tree: StateTree) throws(InputError) {
        let position = try tree.integers("trainer.position")
        guard position.count == 7 else { throw InputError("'trainer.position' holds \(position.count) numbers, expected 7") }
        epoch = position[1] != 0 ? position[0] : max(1, position[0] - 1)
        steps = position[3]
    }
}

extension MNISTExperiment {
    /// The test metrics of the network a checkpoint of this experiment saved, on `mnist`'s test
    /// set, and the digest of its parameters.
    public func evaluate(checkpoint tree: StateTree, on mnist: MNISTDataset) throws -> (test: Evaluation, parametersSHA256: String) {
        let shape = SpatialShape(height: mnist.training.imageHeight, width: mnist.training.imageWidth, channels: 1)
        return try evaluate(checkpoint: tree, on: try dataset(from: mnist), imageShape: shape)
    }

    /// The test metrics of the network a checkpoint of this experiment saved, on the test part
    /// of `data` (images of `imageShape`, e.g. CIFAR-10), and the digest of its parameters.
    public func evaluate(checkpoint tree: StateTree, on data: Dataset,
                         imageShape: SpatialShape) throws -> (test: Evaluation, parametersSHA256: String) {
        let network = Network(configuration: networkConfiguration(input: imageShape), loss: SoftmaxCrossEntropy())
        try network.loadState(from: tree)
        return (network.evaluate(inputs: data.testInputs, targets: data.testTargets, kind: data.kind), network.parametersSHA256)
    }
}

extension AdditionExperiment {
    /// The test metrics of the network a checkpoint of this experiment saved, on the held-out
    /// sums of its seed, and the digest of its parameters.
    public func evaluate(checkpoint tree: StateTree) throws -> (test: Evaluation, parametersSHA256: String) {
        let data = try BinaryAddition.dataset(bits: bits, trainCount: trainCount, testCount: testCount, seed: seed)
        let network = Network(configuration: networkConfiguration, loss: MeanSquaredError())
        try network.loadState(from: tree)
        return (network.evaluate(inputs: data.testInputs, targets: data.testTargets, kind: data.kind), network.parametersSHA256)
    }
}
