/// Every stage on the calling thread, one after another: the reference every other executor
/// reproduces bit for bit. With delay K it is the paper's DNI with a fixed staleness, simulated
/// on one core: Mᵢ learns from the target of batch b just before it predicts for batch b + K.
public final class SequentialExecutor: Executor {
    /// The network trained.
    public let network: Network
    public let delay: Int
    public let microBatches: Int
    let worker: StageGroupWorker

    /// An executor of `network` with delay `delay` (K ≥ 1; DNI and cDNI) and `microBatches`
    /// micro-batches per batch (locked methods; 1 is plain backprop).
    public init(network: Network, delay: Int = 1, microBatches: Int = 1) {
        precondition(delay >= 1 && microBatches >= 1, "delay and micro-batches must be at least 1")
        self.network = network
        self.delay = delay
        self.microBatches = microBatches
        worker = network.makeWorker(delay: delay, microBatches: microBatches)
    }

    public var name: String { "sequential" }

    public var stageGroups: [Int] { [network.stages.count] }

    public func train(_ segment: TrainingSegment) throws -> SegmentResult {
        var links = NoLinks()
        try worker.train(segment, links: &links)
        return SegmentResult(stages: network.stages, count: segment.count)
    }
}
