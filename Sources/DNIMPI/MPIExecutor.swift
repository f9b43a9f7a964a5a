#if MPI
import DNI
import Linalg

/// Stage groups on MPI ranks, one group per rank (Jaderberg et al. 2016: stages decoupled across
/// machines). Rank r trains stages `stageGroups[0..<r].sum ..< …` with the same
/// ``StageGroupWorker`` loop as every other executor; activations (with the targets, which cDNI
/// reads as the condition) go up and bootstrapped targets come down as non-blocking MPI
/// messages. Every rank builds the whole network from the configuration (cheap, and the same
/// on every rank: stage i's weights come from its own random stream) but trains only its own
/// stages; after each segment the other ranks send rank 0 the state and log of theirs, so rank
/// 0 evaluates, probes and reports exactly what a single process running the same delay would.
///
/// With the same delay K, an MPI run computes the same bits as the sequential run: messages
/// change where a stage runs, never what it computes.
public final class MPIExecutor: Executor {
    public let network: Network
    public let delay: Int
    public let microBatches: Int
    public let stageGroups: [Int]
    /// This process's place in the job.
    public let communicator: MPICommunicator
    private let worker: StageGroupWorker
    private var links: MPIStageLinks
    /// Steps trained so far (for the per-step communication figures).
    public private(set) var steps = 0

    /// An executor for the rank of `communicator`: `network` is the whole network, built the same
    /// on every rank; `timeout` bounds every wait for another rank.
    public init(network: Network, communicator: MPICommunicator, stageGroups: [Int], delay: Int, microBatches: Int,
                batchSize: Int, widths: [Int], timeout: Duration) throws {
        guard stageGroups.count == communicator.size else {
            throw InputError("--execution mpi runs one stage group per rank: \(stageGroups.count) groups for \(communicator.size) ranks")
        }
        self.network = network
        self.communicator = communicator
        self.stageGroups = stageGroups
        self.delay = delay
        self.microBatches = microBatches
        let rank = communicator.rank
        let first = stageGroups[0..<rank].reduce(0, +)
        let last = first + stageGroups[rank] - 1
        worker = StageGroupWorker(
            stages: Array(network.stages[first...last]), firstIndex: first, topIndex: network.stages.count - 1,
            method: network.method, loss: network.loss, updateProbability: network.updateProbability,
            delay: delay, microBatches: microBatches, engine: network.engine)
        links = MPIStageLinks(
            communicator: communicator, timeout: timeout, inputColumns: widths[first], outputColumns: widths[last + 1],
            targetColumns: widths[widths.count - 1], rows: batchSize, held: microBatches + 1,
            inFlight: max(delay, microBatches) + 2)
    }

    public var name: String { "mpi" }

    /// Bytes this rank sent per step so far.
    public var bytesPerStep: Double { steps > 0 ? Double(links.bytesSent) / Double(steps) : 0 }
    /// Seconds this rank spent per step waiting for messages.
    public var waitingSecondsPerStep: Double { steps > 0 ? links.waitingSeconds / Double(steps) : 0 }

    /// Bytes sent and seconds spent waiting for messages per step, by this rank (rank 0's in the
    /// summary).
    public var statistics: [(name: String, value: Double)] {
        [("bytes_sent_per_step", bytesPerStep), ("message_wait_seconds_per_step", waitingSecondsPerStep)]
    }

    /// The stages of rank `rank`.
    private func stages(of rank: Int) -> ArraySlice<Stage> {
        let first = stageGroups[0..<rank].reduce(0, +)
        return network.stages[first..<(first + stageGroups[rank])]
    }

    public func train(_ segment: TrainingSegment) throws -> SegmentResult {
        try worker.train(segment, links: &links)
        try links.completeSends()
        steps += segment.count
        try gatherOnRankZero(steps: segment.count)
        guard communicator.rank == 0 else {
            return SegmentResult(losses: Array(repeating: 0, count: segment.count),
                                 synthesizerLosses: Array(repeating: 0, count: segment.count))
        }
        return SegmentResult(stages: network.stages, count: segment.count)
    }

    /// Every other rank sends rank 0 the state and log of its stages; rank 0 puts them into its
    /// copies of those stages.
    private func gatherOnRankZero(steps count: Int) throws {
        let rank = communicator.rank
        let timeout = links.timeout
        if rank > 0 {
            var values: [Float] = []
            for stage in stages(of: rank) {
                stage.writeState(into: &values)
                stage.writeLog(into: &values)
            }
            let buffer = MPIMessageBuffer(capacity: values.count)
            try values.withUnsafeBufferPointer { pointer in
                try buffer.fill(batch: Int64(steps), kind: Int32(MPIStageLinks.stateTag), from: pointer)
            }
            try communicator.send(buffer, to: 0, tag: MPIStageLinks.stateTag).wait(timeout: timeout)
            return
        }
        for peer in 1..<communicator.size {
            let peerStages = stages(of: peer)
            let expected = peerStages.reduce(0) { $0 + $1.stateCount + Stage.logCount(steps: count) }
            let buffer = MPIMessageBuffer(capacity: expected)
            try communicator.receive(into: buffer, from: peer, tag: MPIStageLinks.stateTag).wait(timeout: timeout)
            guard Int(buffer.header.count) == expected else {
                throw ExecutionFailure("rank \(peer) sent \(buffer.header.count) floats of state, expected \(expected): the ranks disagree about the network")
            }
            var offset = 0
            let values = UnsafeBufferPointer(buffer.payload)
            for stage in peerStages {
                stage.readState(from: values, offset: &offset)
                stage.readLog(steps: count, from: values, offset: &offset)
            }
        }
    }
}

/// Makes ``MPIExecutor``s for the `--execution mpi` option: one stage group per rank, with
/// rank 0's choice of groups broadcast to every rank.
public struct MPIExecutorFactory: DistributedExecutorFactory {
    /// The job.
    public let communicator: MPICommunicator
    /// How long a rank waits for another before it names it and gives up.
    public let timeout: Duration

    /// A factory for the job of `communicator`.
    public init(communicator: MPICommunicator, timeout: Duration) {
        self.communicator = communicator
        self.timeout = timeout
    }

    public var groupCount: Int { communicator.size }

    public func agree(on proposed: [Int]) throws -> [Int] {
        let bytes = proposed.flatMap { size -> [UInt8] in [UInt8(truncatingIfNeeded: size), UInt8(truncatingIfNeeded: size >> 8)] }
        let agreed = try communicator.broadcast(bytes, root: 0, timeout: timeout)
        return stride(from: 0, to: agreed.count - 1, by: 2).map { Int(agreed[$0]) | (Int(agreed[$0 + 1]) << 8) }
    }

    public func makeExecutor(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int, stageGroups: [Int],
                             delay: Int, microBatches: Int, threads: Int) throws -> any Executor {
        let engine = GEMMEngine(named: environmentValue("DNI_GEMM"), threads: threads)
        let network = Network(configuration: configuration, loss: loss, engine: engine)
        return try MPIExecutor(network: network, communicator: communicator, stageGroups: stageGroups, delay: delay,
                               microBatches: microBatches, batchSize: batchSize, widths: configuration.widths,
                               timeout: timeout)
    }
}
#endif
