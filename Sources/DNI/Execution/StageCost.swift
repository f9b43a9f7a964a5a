import Linalg

/// What each stage of a network costs per training step, measured, and the split of the stages
/// into consecutive groups that balances it (a pipeline runs at the pace of its slowest group).
public struct StageCost: Sendable, Equatable {
    /// Seconds of the stage's own work per step: forward, synthesizer prediction (DNI, cDNI),
    /// backward and update.
    public var stage: Double
    /// Seconds of its synthesizer's learning step (0 without a synthesizer). In a pipeline this
    /// work runs on the thread of the stage above when that stage is in another group.
    public var synthesizerLearning: Double

    /// A cost of `stage` seconds and `synthesizerLearning` seconds.
    public init(stage: Double, synthesizerLearning: Double = 0) {
        self.stage = stage
        self.synthesizerLearning = synthesizerLearning
    }

    /// The cost of each stage of the network `configuration` describes, on batches of
    /// `batchSize` random rows, on one thread, under delay `delay` (from 2 on, a synthesizer's
    /// learning step recomputes its output layer). Each stage is timed alone, on a throwaway
    /// copy built from the same configuration, over `steps` steps after `warmup` untimed ones.
    public static func measure(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int,
                               delay: Int = 2, warmup: Int = 2, steps: Int = 4) -> [StageCost] {
        let engine = ExecutionSettings.engine(threads: 1)
        var generator = SeededGenerator(seed: configuration.seed, stream: 0xC057)
        let widths = configuration.widths
        let target = Matrix.randomUniform(rows: batchSize, columns: configuration.outputSize, lower: 0, upper: 1,
                                          using: &generator)
        let clock = ContinuousClock()
        return (0..<configuration.stageCount).map { index in
            let stage = Stage(configuration: configuration, index: index, engine: engine)
            stage.prepare(delay: max(1, delay), microBatches: 1)
            stage.log.reset(count: 1)
            let input = Matrix.randomNormal(rows: batchSize, columns: widths[index], standardDeviation: 1, using: &generator)
            let gradient = Matrix.randomNormal(rows: batchSize, columns: widths[index + 1], standardDeviation: 0.01,
                                               using: &generator)
            let isTop = index == configuration.stageCount - 1
            var own = Duration.zero, learning = Duration.zero
            for step in 0..<(warmup + steps) {
                let start = clock.now
                let output = stage.trainingForward(input)
                if isTop {
                    _ = stage.lossUpdate(output: output, target: target, loss: loss, needsInputGradient: index > 0,
                                         updateProbability: 1, position: 0)
                } else if let synthesizer = stage.synthesizer {
                    _ = try? stage.syntheticUpdate(batch: step, output: output, condition: target,
                                                   needsInputGradient: index > 0, updateProbability: 1)
                    let learned = clock.now
                    // The learning step of batch step + 1 − K, as the schedule takes it.
                    if step + 1 >= max(1, delay) {
                        _ = try? synthesizer.learn(batch: step + 1 - max(1, delay), target: gradient)
                    }
                    if step >= warmup { learning += clock.now - learned }
                    if step >= warmup { own += learned - start }
                    continue
                } else {
                    _ = stage.lockedBackward(gradient, replica: 0, microBatches: 1, needsInputGradient: index > 0)
                    stage.lockedUpdate(microBatches: 1, updateProbability: 1)
                }
                if step >= warmup { own += clock.now - start }
            }
            return StageCost(stage: own.seconds / Double(steps), synthesizerLearning: learning.seconds / Double(steps))
        }
    }

    /// The cost of a group of the stages `range` of a network with these `costs`: their own
    /// work; the learning step of the synthesizer just below the group when `learnsBelow` (its
    /// targets are computed here); the learning steps of the group's own synthesizers, except
    /// the top one's when `topLearnsAbove` (the group above takes it).
    public static func groupCost(_ costs: [StageCost], _ range: Range<Int>, learnsBelow: Bool,
                                 topLearnsAbove: Bool) -> Double {
        var total = 0.0
        for index in range { total += costs[index].stage + costs[index].synthesizerLearning }
        if learnsBelow && range.lowerBound > 0 { total += costs[range.lowerBound - 1].synthesizerLearning }
        if topLearnsAbove { total -= costs[range.upperBound - 1].synthesizerLearning }
        return total
    }

    /// A split of the stages into consecutive groups, and for each boundary between two groups
    /// whether the synthesizer just below it learns on the group above (where its targets are
    /// computed) or on its own stage's group.
    public struct Split: Sendable, Equatable {
        /// The number of stages in each group, bottom first.
        public var groups: [Int]
        /// For each boundary (one fewer than groups): true when the synthesizer below it learns above.
        public var learnsAbove: [Bool]
        /// The cost of the slowest group, the pace of the pipeline.
        public var slowestGroup: Double
    }

    /// The split of stages with `costs` into `groups` consecutive groups, choosing where each
    /// boundary's synthesizer learns when `movableLearning` (DNI, cDNI), whose slowest group
    /// (``groupCost(_:_:learnsBelow:topLearnsAbove:)``) costs least.
    public static func split(_ costs: [StageCost], into groups: Int, movableLearning: Bool) -> Split {
        let count = costs.count
        let groups = max(1, min(groups, count))
        let choices = movableLearning ? [false, true] : [false]
        // best[g][n][s]: the least possible maximum over splits of the first n stages into g
        // groups, where s says whether the last group's top synthesizer learns above.
        struct Entry { var cost = Double.infinity; var last = 0; var learnsBelow = false }
        var best = Array(repeating: Array(repeating: [Entry(), Entry()], count: count + 1), count: groups + 1)
        best[0][0][0].cost = 0
        for g in 1...groups {
            for n in g...count {
                for topLearnsAbove in choices where !(topLearnsAbove && n == count) {
                    for last in (g - 1)..<n {
                        for learnsBelow in choices where !(learnsBelow && last == 0) {
                            let before = best[g - 1][last][learnsBelow ? 1 : 0].cost
                            let cost = max(before, groupCost(costs, last..<n, learnsBelow: learnsBelow,
                                                             topLearnsAbove: topLearnsAbove))
                            if cost < best[g][n][topLearnsAbove ? 1 : 0].cost {
                                best[g][n][topLearnsAbove ? 1 : 0] = Entry(cost: cost, last: last, learnsBelow: learnsBelow)
                            }
                        }
                    }
                }
            }
        }
        var sizes: [Int] = [], flags: [Bool] = []
        var n = count, state = 0
        let slowest = best[groups][count][0].cost
        for g in stride(from: groups, to: 0, by: -1) {
            let entry = best[g][n][state]
            sizes.append(n - entry.last)
            if g > 1 { flags.append(entry.learnsBelow) }
            n = entry.last
            state = entry.learnsBelow ? 1 : 0
        }
        return Split(groups: sizes.reversed(), learnsAbove: flags.reversed(), slowestGroup: slowest)
    }

    /// The best choice of where each boundary's synthesizer learns for the given `groups`.
    public static func learningPlacement(_ costs: [StageCost], groups: [Int]) -> [Bool] {
        // Try every choice (2^(groups − 1); a handful of groups in practice, else learn above).
        let boundaries = groups.count - 1
        guard boundaries > 0 else { return [] }
        guard boundaries <= 12 else { return Array(repeating: true, count: boundaries) }
        var bestFlags: [Bool] = [], bestCost = Double.infinity
        for mask in 0..<(1 << boundaries) {
            let flags = (0..<boundaries).map { mask & (1 << $0) != 0 }
            var first = 0, slowest = 0.0
            for (group, size) in groups.enumerated() {
                let cost = groupCost(costs, first..<(first + size), learnsBelow: group > 0 && flags[group - 1],
                                     topLearnsAbove: group < boundaries && flags[group])
                slowest = max(slowest, cost)
                first += size
            }
            if slowest < bestCost {
                bestCost = slowest
                bestFlags = flags
            }
        }
        return bestFlags
    }

    /// The split of stages that cost `costs` seconds each (no synthesizer learning).
    public static func partition(_ costs: [Double], into groups: Int) -> [Int] {
        split(costs.map { StageCost(stage: $0) }, into: groups, movableLearning: false).groups
    }
}
