import Linalg

/// What each stage of a network costs per training step, measured, and the split of the stages
/// into consecutive groups that balances it (the pipeline runs at the pace of its slowest group).
public enum StageCost {
    /// Seconds per training step of each stage of the network `configuration` describes, on
    /// batches of `batchSize` random rows, on one thread: the stage's forward, its
    /// synthesizer's learning and prediction (DNI, cDNI), its backward and update. Each stage is
    /// timed alone, on a throwaway copy built from the same configuration, over `steps` steps
    /// after `warmup` untimed ones.
    public static func measure(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int,
                               warmup: Int = 2, steps: Int = 4) -> [Double] {
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
            var total = Duration.zero
            for step in 0..<(warmup + steps) {
                let start = clock.now
                let output = stage.trainingForward(input)
                if isTop {
                    _ = stage.lossUpdate(output: output, target: target, loss: loss, needsInputGradient: index > 0,
                                         updateProbability: 1, position: 0)
                } else if configuration.method.usesSynthesizers {
                    if step > 0 { try? stage.receiveTarget(batch: step - 1, gradient) }
                    _ = try? stage.decoupledUpdate(batch: step, delay: 1, output: output, condition: target,
                                                   needsInputGradient: index > 0, updateProbability: 1, position: 0)
                } else {
                    _ = stage.lockedBackward(gradient, replica: 0, microBatches: 1, needsInputGradient: index > 0)
                    stage.lockedUpdate(microBatches: 1, updateProbability: 1)
                }
                if step >= warmup { total += clock.now - start }
            }
            return total.seconds / Double(steps)
        }
    }

    /// The split of stages with `costs` into `groups` consecutive groups (sizes, bottom first)
    /// whose most expensive group costs least; ties go to the split with larger groups lower down.
    public static func partition(_ costs: [Double], into groups: Int) -> [Int] {
        let count = costs.count
        let groups = max(1, min(groups, count))
        var prefix = [0.0]
        for cost in costs { prefix.append(prefix.last! + cost) }
        // best[g][n]: the least possible maximum over splits of the first n stages into g groups.
        var best = Array(repeating: Array(repeating: Double.infinity, count: count + 1), count: groups + 1)
        var cut = Array(repeating: Array(repeating: 0, count: count + 1), count: groups + 1)
        best[0][0] = 0
        for g in 1...groups {
            for n in g...count {
                for last in (g - 1)..<n {
                    let value = max(best[g - 1][last], prefix[n] - prefix[last])
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
}
