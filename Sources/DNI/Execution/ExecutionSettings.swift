import Linalg

/// Where the stages of a network run.
public enum ExecutionKind: String, Sendable, CaseIterable, Codable {
    /// Every stage on the calling thread, one after another (the reference).
    case sequential
    /// Stage groups on threads of their own, at the same time (``PipelinedExecutor``).
    case pipelined
    /// Stage groups on MPI ranks, one group per rank (the `MPI` package trait, `DNIMPI`).
    case mpi
}

/// Builds an executor whose stage groups run in other processes (MPI ranks): the one kind of
/// executor the `DNI` module cannot build itself, provided by a module that can (`DNIMPI`).
public protocol DistributedExecutorFactory: Sendable {
    /// The number of processes, one stage group each.
    var groupCount: Int { get }
    /// The stage groups every process uses: `proposed` as computed here, made the same on every
    /// process (rank 0's, since measured costs differ from process to process).
    func agree(on proposed: [Int]) throws -> [Int]
    /// The executor of `configuration` with `loss` on top, batches of `batchSize`, `stageGroups`,
    /// `delay` and `microBatches`, multiplying with `threads` threads in this process.
    func makeExecutor(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int, stageGroups: [Int],
                      delay: Int, microBatches: Int, threads: Int) throws -> any Executor
}

/// How a run executes its stages: the executor, the delay K, the stage groups, the micro-batches
/// and the matrix-product threads. Unset values take the defaults that keep every group busy.
public struct ExecutionSettings: Sendable, Equatable {
    /// Sequential or pipelined.
    public var kind: ExecutionKind
    /// K; nil: 1 sequentially; pipelined, the smallest K that keeps every group busy (2 with
    /// more than one group, for DNI and cDNI).
    public var delay: Int?
    /// The number of stages in each group, bottom first; nil: split by measured cost.
    public var stageGroups: [Int]?
    /// The number of groups when `stageGroups` is nil; nil: one per core (at most one per stage).
    public var groupCount: Int?
    /// Micro-batches per batch for locked methods; nil: 1 sequentially, 4 (or the largest of 2
    /// and 1 that divides the batch) pipelined.
    public var microBatches: Int?
    /// Threads for matrix products in all; nil: `DNI_GEMM_THREADS`, else every core. A
    /// pipelined run gives each group an equal share (at least one).
    public var threads: Int?
    /// The maker of MPI executors, set by a build with the `MPI` trait (nil otherwise).
    public var distributed: (any DistributedExecutorFactory)?

    public static func == (lhs: ExecutionSettings, rhs: ExecutionSettings) -> Bool {
        lhs.kind == rhs.kind && lhs.delay == rhs.delay && lhs.stageGroups == rhs.stageGroups
            && lhs.groupCount == rhs.groupCount && lhs.microBatches == rhs.microBatches && lhs.threads == rhs.threads
            && (lhs.distributed == nil) == (rhs.distributed == nil)
    }

    /// Settings for `kind` with every other value at its default.
    public init(kind: ExecutionKind = .sequential, delay: Int? = nil, stageGroups: [Int]? = nil, groupCount: Int? = nil,
                microBatches: Int? = nil, threads: Int? = nil) {
        self.kind = kind
        self.delay = delay
        self.stageGroups = stageGroups
        self.groupCount = groupCount
        self.microBatches = microBatches
        self.threads = threads
    }

    /// Checks the values a user can set, throwing ``InputError`` naming the flag.
    public func validate() throws {
        if let delay, !(1...64).contains(delay) { throw InputError("--delay must be in 1...64, got \(delay)") }
        if let microBatches, !(1...256).contains(microBatches) {
            throw InputError("--micro-batches must be in 1...256, got \(microBatches)")
        }
        if let threads, !(1...256).contains(threads) { throw InputError("--threads must be in 1...256, got \(threads)") }
        if let groupCount, !(1...64).contains(groupCount) { throw InputError("--stage-groups must be in 1...64, got \(groupCount)") }
        if kind == .mpi && groupCount != nil {
            throw InputError("--execution mpi runs one stage group per rank: give the group sizes (--stage-groups 2,2) or none")
        }
        if kind == .sequential && (stageGroups != nil || groupCount != nil) {
            throw InputError("--stage-groups applies to --execution pipelined (or mpi)")
        }
    }

    /// Threads for matrix products in all: the given ones, else `DNI_GEMM_THREADS`, else every core.
    var resolvedThreads: Int {
        threads ?? environmentValue("DNI_GEMM_THREADS").flatMap { Int($0) } ?? PackedGEMM.activeProcessorCount
    }

    /// One kernel per stage group, each with an equal share (at least one) of `threads`: the
    /// first group's, and the one of the group that holds each stage.
    static func groupEngines(_ groups: [Int], threads: Int) -> (first: GEMMEngine, ofStage: (Int) -> GEMMEngine) {
        let engines = groups.map { _ in engine(threads: max(1, threads / groups.count)) }
        var groupOfStage: [Int] = []
        for (group, size) in groups.enumerated() { groupOfStage += Array(repeating: group, count: size) }
        return (engines[0], { engines[groupOfStage[$0]] })
    }

    /// The kernel for products of `threads` threads, of the kind `DNI_GEMM` names.
    static func engine(threads: Int) -> GEMMEngine {
        GEMMEngine(named: environmentValue("DNI_GEMM"), threads: threads)
    }

    /// The delay: the one given, else K = 1 under every executor. K = 1 already keeps two
    /// groups busy (a group sends hᵢ up before it waits for the target of the batch before, and
    /// that target is computed while it runs the forward pass), and it spares every synthesizer
    /// the output-layer recompute that K ≥ 2 needs: measured here, pipelined cDNI at K = 1 runs
    /// 1.2× faster than at K = 2, MPI 1.2–1.3×, DNI the same (docs/decoupled-execution.md). It
    /// also makes a default pipelined or MPI run compute exactly the default sequential run.
    var resolvedDelay: Int { delay ?? 1 }

    /// The micro-batches for `groups` groups, `method` and batches of `batchSize`.
    func resolvedMicroBatches(groups: Int, method: TrainingMethod, batchSize: Int) throws -> Int {
        if let microBatches {
            guard !method.usesSynthesizers || microBatches == 1 else {
                throw InputError("--micro-batches applies to backprop and fa; \(method.rawValue) updates on every batch at once")
            }
            guard batchSize % microBatches == 0 else {
                throw InputError("--micro-batches \(microBatches) does not divide --batch-size \(batchSize)")
            }
            return microBatches
        }
        guard groups > 1 && !method.usesSynthesizers else { return 1 }
        return [4, 2, 1].first { batchSize % $0 == 0 }!
    }

    /// Builds the network `configuration` describes and the executor that runs it, with `loss`
    /// on top and batches of `batchSize`. A pipelined run without explicit groups first measures
    /// what each stage costs (``StageCost``) and splits the stages so that the slowest group is
    /// as fast as it can be; the split changes the speed, never the result.
    public func makeExecutor(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int) throws -> any Executor {
        try validate()
        let totalThreads = resolvedThreads
        switch kind {
        case .sequential:
            let engine = Self.engine(threads: totalThreads)
            let network = Network(configuration: configuration, loss: loss, engine: engine)
            return SequentialExecutor(
                network: network, delay: resolvedDelay,
                microBatches: try resolvedMicroBatches(groups: 1, method: configuration.method, batchSize: batchSize))
        case .pipelined:
            let (groups, placements) = try resolvedSchedule(configuration: configuration, loss: loss,
                                                             batchSize: batchSize, movableLearning: true)
            let microBatches = try resolvedMicroBatches(groups: groups.count, method: configuration.method, batchSize: batchSize)
            let engines = Self.groupEngines(groups, threads: totalThreads)
            let network = Network(configuration: configuration, loss: loss, engine: engines.first,
                                  stageEngine: engines.ofStage)
            return try PipelinedExecutor(network: network, stageGroups: groups,
                                         delay: resolvedDelay,
                                         microBatches: microBatches, synthesizerPlacement: placements)
        case .mpi:
            guard let distributed else {
                throw InputError("--execution mpi needs a build with the MPI trait (swift build --traits MPI; docs/mpi.md) run under mpirun")
            }
            let groups = try distributed.agree(on: resolvedSchedule(
                configuration: configuration, loss: loss, batchSize: batchSize, count: distributed.groupCount,
                movableLearning: false).groups)
            guard groups.count == distributed.groupCount else {
                throw InputError("--execution mpi runs one stage group per rank: \(groups.count) groups for \(distributed.groupCount) ranks")
            }
            let microBatches = try resolvedMicroBatches(groups: groups.count, method: configuration.method, batchSize: batchSize)
            return try distributed.makeExecutor(
                configuration: configuration, loss: loss, batchSize: batchSize, stageGroups: groups,
                delay: resolvedDelay, microBatches: microBatches,
                threads: threads ?? environmentValue("DNI_GEMM_THREADS").flatMap { Int($0) } ?? 1)
        }
    }

    /// The stage groups — the given sizes, or `count` (default: `groupCount`, else one per core)
    /// groups split by measured cost — and, where `movableLearning` (threads sharing memory, DNI
    /// and cDNI), where the synthesizers at each boundary learn.
    public func resolvedSchedule(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int,
                                 count defaultCount: Int? = nil,
                                 movableLearning: Bool) throws -> (groups: [Int], placements: [SynthesizerPlacement]) {
        let stageCount = configuration.stageCount
        let movable = movableLearning && configuration.method.usesSynthesizers
        if let stageGroups {
            guard stageGroups.allSatisfy({ $0 >= 1 }), stageGroups.reduce(0, +) == stageCount else {
                throw InputError("--stage-groups must split the \(stageCount) stages into groups of at least one stage, got \(stageGroups.map(String.init).joined(separator: ","))")
            }
            guard movable && stageGroups.count > 1 else {
                return (stageGroups, Array(repeating: .own, count: max(0, stageGroups.count - 1)))
            }
            let costs = StageCost.measure(configuration: configuration, loss: loss, batchSize: batchSize, delay: resolvedDelay)
            return (stageGroups, StageCost.placements(costs, groups: stageGroups))
        }
        let count = min(stageCount, groupCount ?? defaultCount ?? PackedGEMM.activeProcessorCount)
        if configuration.method == .dfa && count > 1 {
            throw InputError("dfa sends the output error to every stage at once; it runs with --execution sequential only")
        }
        guard count > 1 else { return ([stageCount], []) }
        let costs = StageCost.measure(configuration: configuration, loss: loss, batchSize: batchSize, delay: resolvedDelay)
        let split = StageCost.split(costs, into: count, movableLearning: movable)
        return (split.groups, split.placements)
    }
}
