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
    /// copy built from the same configuration, over `steps` steps after `warmup` untimed ones;
    /// the fastest step counts, so that another process taking the core for a moment does not
    /// skew the split.
    public static func measure(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int,
                               delay: Int = 1, warmup: Int = 2, steps: Int = 4) -> [StageCost] {
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
            var own = Duration.seconds(1_000_000), learning = Duration.seconds(1_000_000)
            let delay = max(1, delay)
            for step in 0..<(warmup + steps) {
                let start = clock.now
                let output = stage.trainingForward(input)
                if isTop {
                    _ = stage.lossUpdate(output: output, target: target, loss: loss, needsInputGradient: index > 0,
                                         updateProbability: 1, position: 0)
                } else if stage.synthesizer != nil {
                    _ = try? stage.syntheticUpdate(batch: step, output: output, condition: target,
                                                   needsInputGradient: index > 0, updateProbability: 1)
                } else {
                    _ = stage.lockedBackward(gradient, replica: 0, microBatches: 1, needsInputGradient: index > 0)
                    stage.lockedUpdate(microBatches: 1, updateProbability: 1)
                }
                let ownEnd = clock.now
                // The synthesizer's learning step of batch step + 1 − K, as the schedule takes it.
                if !isTop, let synthesizer = stage.synthesizer, step + 1 >= delay {
                    _ = try? synthesizer.learn(batch: step + 1 - delay, target: gradient)
                }
                if step >= warmup {
                    own = min(own, ownEnd - start)
                    learning = min(learning, clock.now - ownEnd)
                }
            }
            return StageCost(stage: own.seconds, synthesizerLearning: learning.seconds)
        }
    }

    /// The cost of a group of the stages `range` of a network with these `costs`, given the
    /// placement at its lower boundary (`incoming`; nil for the bottom group) and at its upper
    /// one (`outgoing`; nil for the top group): the stages' own work and the learning steps of
    /// the synthesizers this group trains.
    public static func groupCost(_ costs: [StageCost], _ range: Range<Int>, incoming: SynthesizerPlacement?,
                                 outgoing: SynthesizerPlacement?) -> Double {
        var total = 0.0
        for index in range { total += costs[index].stage + costs[index].synthesizerLearning }
        switch incoming {
        case .above?: total += costs[range.lowerBound - 1].synthesizerLearning
        case .below?: total -= costs[range.lowerBound].synthesizerLearning
        case .own?, nil: break
        }
        switch outgoing {
        case .above?: total -= costs[range.upperBound - 1].synthesizerLearning
        case .below?: total += costs[range.upperBound].synthesizerLearning
        case .own?, nil: break
        }
        return total
    }

    /// Whether a group of `size` stages can have `incoming` at its lower boundary: `.below`
    /// needs a second stage, whose target for the first synthesizer travels down.
    public static func allows(_ incoming: SynthesizerPlacement?, groupSize size: Int) -> Bool {
        incoming != .below || size >= 2
    }

    /// A split of the stages into consecutive groups and the placement at each boundary.
    public struct Split: Sendable, Equatable {
        /// The number of stages in each group, bottom first.
        public var groups: [Int]
        /// For each boundary (one fewer than groups), where its synthesizers learn.
        public var placements: [SynthesizerPlacement]
        /// The cost of the slowest group, the pace of the pipeline.
        public var slowestGroup: Double
    }

    /// The split of stages with `costs` into `groups` consecutive groups, and (when
    /// `movableLearning`: DNI and cDNI on threads) the placement at each boundary, whose slowest
    /// group (``groupCost(_:_:incoming:outgoing:)``) costs least.
    public static func split(_ costs: [StageCost], into groups: Int, movableLearning: Bool) -> Split {
        let count = costs.count
        let groups = max(1, min(groups, count))
        let choices: [SynthesizerPlacement] = movableLearning ? SynthesizerPlacement.allCases : [.own]
        // best[g][n][p]: the least possible maximum over splits of the first n stages into g
        // groups whose boundary at n has placement choices[p].
        struct Entry { var cost = Double.infinity; var last = 0; var incoming = 0 }
        var best = Array(repeating: Array(repeating: Array(repeating: Entry(), count: choices.count), count: count + 1),
                         count: groups + 1)
        best[0][0][0].cost = 0
        for g in 1...groups {
            for n in g...count {
                for (outgoingIndex, outgoing) in choices.enumerated() where !(n == count && outgoing != .own) {
                    for last in (g - 1)..<n {
                        for (incomingIndex, incoming) in choices.enumerated() where !(last == 0 && incoming != .own) {
                            let before = best[g - 1][last][incomingIndex].cost
                            guard before < .infinity, allows(last == 0 ? nil : incoming, groupSize: n - last) else { continue }
                            let cost = max(before, groupCost(costs, last..<n, incoming: last == 0 ? nil : incoming,
                                                             outgoing: n == count ? nil : outgoing))
                            if cost < best[g][n][outgoingIndex].cost {
                                best[g][n][outgoingIndex] = Entry(cost: cost, last: last, incoming: incomingIndex)
                            }
                        }
                    }
                }
            }
        }
        var sizes: [Int] = [], placements: [SynthesizerPlacement] = []
        var n = count, state = 0
        let slowest = best[groups][count][0].cost
        for g in stride(from: groups, to: 0, by: -1) {
            let entry = best[g][n][state]
            sizes.append(n - entry.last)
            if g > 1 { placements.append(choices[entry.incoming]) }
            n = entry.last
            state = entry.incoming
        }
        return Split(groups: sizes.reversed(), placements: placements.reversed(), slowestGroup: slowest)
    }

    /// The cost of the slowest group of `groups` with `placements`.
    public static func slowestGroup(_ costs: [StageCost], groups: [Int], placements: [SynthesizerPlacement]) -> Double {
        var first = 0, slowest = 0.0
        for (group, size) in groups.enumerated() {
            let incoming = group > 0 ? placements[group - 1] : nil
            let outgoing = group < groups.count - 1 ? placements[group] : nil
            guard allows(incoming, groupSize: size) else { return .infinity }
            slowest = max(slowest, groupCost(costs, first..<(first + size), incoming: incoming, outgoing: outgoing))
            first += size
        }
        return slowest
    }

    /// The best placement at each boundary of the given `groups` (every combination is tried;
    /// past 8 boundaries, `.above` everywhere).
    public static func placements(_ costs: [StageCost], groups: [Int]) -> [SynthesizerPlacement] {
        let boundaries = groups.count - 1
        guard boundaries > 0 else { return [] }
        guard boundaries <= 8 else { return Array(repeating: .above, count: boundaries) }
        var best: [SynthesizerPlacement] = Array(repeating: .own, count: boundaries), bestCost = Double.infinity
        var combination = Array(repeating: 0, count: boundaries)
        let cases = SynthesizerPlacement.allCases
        while true {
            let placements = combination.map { cases[$0] }
            let cost = slowestGroup(costs, groups: groups, placements: placements)
            if cost < bestCost {
                bestCost = cost
                best = placements
            }
            var digit = 0
            while digit < boundaries && combination[digit] == cases.count - 1 {
                combination[digit] = 0
                digit += 1
            }
            if digit == boundaries { break }
            combination[digit] += 1
        }
        return best
    }

    /// The split of stages that cost `costs` seconds each (no synthesizer learning).
    public static func partition(_ costs: [Double], into groups: Int) -> [Int] {
        split(costs.map { StageCost(stage: $0) }, into: groups, movableLearning: false).groups
    }
}
