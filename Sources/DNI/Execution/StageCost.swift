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
    /// `batchSize` random rows, on one thread. Each stage is timed alone, on a throwaway copy
    /// built from the same configuration, over `steps` steps after `warmup` untimed ones.
    public static func measure(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int,
                               warmup: Int = 2, steps: Int = 4) -> [StageCost] {
        let engine = ExecutionSettings.engine(threads: 1)
        var generator = SeededGenerator(seed: configuration.seed, stream: 0xC057)
        let widths = configuration.widths
        let target = Matrix.randomUniform(rows: batchSize, columns: configuration.outputSize, lower: 0, upper: 1,
                                          using: &generator)
        let clock = ContinuousClock()
        return (0..<configuration.stageCount).map { index in
            let stage = Stage(configuration: configuration, index: index, engine: engine)
            stage.prepare(delay: 1, microBatches: 1)
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
                    _ = try? synthesizer.learn(batch: step, target: gradient)
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

    /// The cost of a group of the stages `range` of a network with these `costs`: their own work
    /// and, when `learnsAbove` (pipelined DNI), the learning steps of the synthesizers whose
    /// targets the group computes (those of `range.lowerBound − 1 ..< range.upperBound − 1`);
    /// otherwise their own synthesizers' learning.
    public static func groupCost(_ costs: [StageCost], _ range: Range<Int>, learnsAbove: Bool) -> Double {
        var total = 0.0
        for index in range { total += costs[index].stage }
        let learned = learnsAbove ? max(0, range.lowerBound - 1)..<(range.upperBound - 1) : range
        for index in learned where index >= 0 { total += costs[index].synthesizerLearning }
        return total
    }

    /// The split of stages with `costs` into `groups` consecutive groups (sizes, bottom first)
    /// whose most expensive group (``groupCost(_:_:learnsAbove:)``) costs least.
    public static func partition(_ costs: [StageCost], into groups: Int, learnsAbove: Bool) -> [Int] {
        let count = costs.count
        let groups = max(1, min(groups, count))
        // best[g][n]: the least possible maximum over splits of the first n stages into g groups.
        var best = Array(repeating: Array(repeating: Double.infinity, count: count + 1), count: groups + 1)
        var cut = Array(repeating: Array(repeating: 0, count: count + 1), count: groups + 1)
        best[0][0] = 0
        for g in 1...groups {
            for n in g...count {
                for last in (g - 1)..<n {
                    let value = max(best[g - 1][last], groupCost(costs, last..<n, learnsAbove: learnsAbove))
                    if value < best[g][n] {
                        best[g][n] = value
                        cut[g][n] = last
                    }
                }
            }
        }
        var sizes: [Int] = []
        var n = count
        for g in stride(from: groups, to: 0, by: -1) {
            let last = cut[g][n]
            sizes.append(n - last)
            n = last
        }
        return sizes.reversed()
    }

    /// The split of stages that cost `costs` seconds each (no synthesizer learning).
    public static func partition(_ costs: [Double], into groups: Int) -> [Int] {
        partition(costs.map { StageCost(stage: $0) }, into: groups, learnsAbove: false)
    }
}
