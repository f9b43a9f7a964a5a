import Linalg

extension ForwardUnlockedExecutor {
    /// The complete unlock's executor for `execution` (`--unlock forward`): one group on the
    /// calling thread (`--execution sequential`), or stage groups on threads of their own
    /// (`--execution pipelined`: the groups `--stage-groups` gives, else one per core, at most one
    /// per stage, split by measured cost, ``StageCost/measureUnlocked(configuration:loss:batchSize:inputModel:warmup:steps:)``), each group with an equal share of the matrix-product threads. The delay
    /// is 1; MPI is refused (the input models and the real chain would need every rank to read
    /// the data, which the MPI executor does not do yet).
    public static func make(configuration: NetworkConfiguration, loss: any Loss, inputModel: SyntheticInputConfiguration,
                            batchSize: Int, execution: ExecutionSettings) throws -> ForwardUnlockedExecutor {
        try execution.validate()
        guard (execution.delay ?? 1) == 1 else {
            throw InputError("--unlock forward runs with delay 1 only, got --delay \(execution.delay ?? 1)")
        }
        if let microBatches = execution.microBatches, microBatches != 1 {
            throw InputError("--micro-batches applies to backprop and fa; \(configuration.method.rawValue) updates on every batch at once")
        }
        let totalThreads = execution.resolvedThreads
        switch execution.kind {
        case .sequential:
            return try ForwardUnlockedExecutor(configuration: configuration, loss: loss, inputModel: inputModel,
                                               engine: ExecutionSettings.engine(threads: totalThreads))
        case .pipelined:
            let groups: [Int]
            if let given = execution.stageGroups {
                groups = given
            } else {
                // Split by what the unlocked stages cost: the input models and the real chain too.
                let count = min(configuration.stageCount, execution.groupCount ?? PackedGEMM.activeProcessorCount)
                let costs = count > 1 ? try StageCost.measureUnlocked(configuration: configuration, loss: loss,
                                                                      batchSize: batchSize, inputModel: inputModel) : []
                groups = count > 1 ? StageCost.split(costs, into: count, movableLearning: false).groups
                    : [configuration.stageCount]
            }
            let engines = ExecutionSettings.groupEngines(groups, threads: totalThreads)
            return try ForwardUnlockedExecutor(configuration: configuration, loss: loss, inputModel: inputModel,
                                               stageGroups: groups, engine: engines.first, stageEngine: engines.ofStage)
        case .mpi:
            throw InputError("--unlock forward runs with --execution sequential or pipelined, not mpi")
        }
    }
}
