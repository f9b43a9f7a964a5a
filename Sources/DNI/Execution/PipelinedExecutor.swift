/// Stage groups on threads of their own, running at the same time: the decoupling of the
/// paper made real. Group g trains on batch b while group g + 1 trains on batch b − 1; hᵢ goes
/// up and δᵢ goes down through bounded ``MessageChannel``s.
///
/// DNI and cDNI: a group never waits for the backward pass of the groups above, only for the
/// target of batch b − K before it predicts for batch b. K = 1 already keeps the groups busy: a
/// group sends hᵢ of batch b up before it waits, and the group above computes the target of
/// b − 1 while the group below runs b's forward pass. Larger K only adds staleness (and, from
/// K = 2 on, each synthesizer's output-layer recompute). Locked methods (backprop, feedback alignment) run GPipe-style: M
/// micro-batches fill the pipeline, drain it, then every stage updates from the mean gradient.
///
/// Determinism: each stage sees exactly the calls that the ``SequentialExecutor`` with the same
/// delay (and micro-batches) makes, in the same order, and its matrix products do not depend on
/// which thread computes them; so the weights and metrics are bit for bit those of the
/// sequential run, whatever the thread timing.
public final class PipelinedExecutor: Executor {
    /// The network trained.
    public let network: Network
    public let delay: Int
    public let microBatches: Int
    public let stageGroups: [Int]
    let workers: [StageGroupWorker]
    /// `upward[g]` carries activations from group g to g + 1, `downward[g]` targets from g + 1 to g.
    private let upward: [MessageChannel]
    private let downward: [MessageChannel]
    /// The turns of the synthesizers shared by neighbouring groups (DNI, cDNI).
    private let turns: [SynthesizerTurn]

    /// An executor of `network` whose stages are split into consecutive groups of the sizes in
    /// `stageGroups` (summing to the number of stages), with delay `delay` and `microBatches`.
    /// `synthesizerPlacement` says, for each boundary between groups, where its synthesizers
    /// learn (DNI, cDNI; nil: `.above` everywhere). It changes the speed, never the result.
    public init(network: Network, stageGroups: [Int], delay: Int, microBatches: Int = 1,
                synthesizerPlacement: [SynthesizerPlacement]? = nil) throws {
        guard stageGroups.allSatisfy({ $0 >= 1 }), stageGroups.reduce(0, +) == network.stages.count else {
            throw InputError("--stage-groups must split the \(network.stages.count) stages into groups of at least one stage, got \(stageGroups.map(String.init).joined(separator: ","))")
        }
        guard delay >= 1 else { throw InputError("--delay must be at least 1, got \(delay)") }
        guard microBatches >= 1 else { throw InputError("--micro-batches must be at least 1, got \(microBatches)") }
        if let synthesizerPlacement {
            guard synthesizerPlacement.count == stageGroups.count - 1 else {
                throw InputError("one synthesizer placement per boundary between stage groups is needed: \(stageGroups.count - 1), got \(synthesizerPlacement.count)")
            }
            for (boundary, placement) in synthesizerPlacement.enumerated()
            where !StageCost.allows(placement, groupSize: stageGroups[boundary + 1]) {
                throw InputError("a synthesizer can learn on the group below only when its own group has two stages or more (boundary \(boundary + 1))")
            }
        }
        if network.method == .dfa && stageGroups.count > 1 {
            throw InputError("dfa sends the output error to every stage at once; it runs with --execution sequential only")
        }
        self.network = network
        self.delay = delay
        self.microBatches = microBatches
        self.stageGroups = stageGroups
        var workers: [StageGroupWorker] = []
        var first = 0
        for size in stageGroups {
            workers.append(StageGroupWorker(
                stages: Array(network.stages[first..<(first + size)]), firstIndex: first, topIndex: network.stages.count - 1,
                method: network.method, loss: network.loss, updateProbability: network.updateProbability,
                delay: delay, microBatches: microBatches, engine: network.engine))
            first += size
        }
        // DNI: a synthesizer at a group boundary may learn on another group's thread (above,
        // where its targets are computed, or below), which balances the synthesizers' learning
        // steps across the groups; its own stage's thread then only predicts.
        var turns: [SynthesizerTurn] = []
        if network.method.usesSynthesizers {
            for group in 1..<max(1, workers.count) {
                let first = workers[group].firstIndex
                switch synthesizerPlacement?[group - 1] ?? .above {
                case .own:
                    break
                case .above:
                    guard let synthesizer = network.stages[first - 1].synthesizer else { continue }
                    let turn = SynthesizerTurn()
                    workers[group - 1].topTurn = turn
                    workers[group].lowerSynthesizer = (synthesizer, turn)
                    turns.append(turn)
                case .below:
                    guard let synthesizer = network.stages[first].synthesizer else { continue }
                    let turn = SynthesizerTurn()
                    workers[group].firstTurn = turn
                    workers[group - 1].upperSynthesizer = (synthesizer, turn)
                    turns.append(turn)
                }
            }
        }
        self.turns = turns
        self.workers = workers
        // Enough slots that no sender ever waits in the steady state: at most K + 1 batches (or
        // M micro-batches) are in flight between two neighbours.
        let capacity = max(delay + 1, microBatches) + 1
        upward = (0..<(stageGroups.count - 1)).map { _ in MessageChannel(capacity: capacity) }
        downward = (0..<(stageGroups.count - 1)).map { _ in MessageChannel(capacity: capacity) }
    }

    public var name: String { "pipelined" }

    public func train(_ segment: TrainingSegment) throws -> SegmentResult {
        let channels = upward + downward, turns = self.turns, workers = self.workers
        let groupLinks = workers.indices.map { ChannelLinks(group: $0, upward: upward, downward: downward) }
        try ConcurrentGroups.run(count: workers.count, abort: {
            for channel in channels { channel.abort() }
            for turn in turns { turn.abort() }
        }) { group in
            var links = groupLinks[group]
            try workers[group].train(segment, links: &links)
        }
        return SegmentResult(stages: network.stages, count: segment.count)
    }
}

/// An execution that could not go on (a thread that could not start, a peer that stopped
/// answering): the run ends with exit 1 and this message.
public struct ExecutionFailure: Error, CustomStringConvertible {
    /// What happened, naming the group, thread or rank.
    public let description: String

    /// A failure described by `description`.
    public init(_ description: String) { self.description = description }
}
