import Linalg

extension StageCost {
    /// What each stage costs per step under the complete unlock, measured on one thread: the
    /// decoupled stage's own cost (``measure(configuration:loss:batchSize:delay:warmup:steps:)``),
    /// plus, for a stage above the first, its input model's prediction and learning step, and,
    /// for a stage below the top, its forward pass in the real chain. Each part is timed alone
    /// on throwaway copies over `steps` steps after `warmup` untimed ones; the fastest step
    /// counts. The synthesizers learn on their own stage's thread (placement `.own`).
    public static func measureUnlocked(configuration: NetworkConfiguration, loss: any Loss, batchSize: Int,
                                       inputModel: SyntheticInputConfiguration, warmup: Int = 2,
                                       steps: Int = 4) throws -> [StageCost] {
        let decoupled = measure(configuration: configuration, loss: loss, batchSize: batchSize, delay: 1,
                                warmup: warmup, steps: steps)
        let engine = ExecutionSettings.engine(threads: 1)
        var generator = SeededGenerator(seed: configuration.seed, stream: 0xC058)
        let widths = configuration.widths
        let data = Matrix.randomNormal(rows: batchSize, columns: widths[0], standardDeviation: 1, using: &generator)
        let clock = ContinuousClock()
        func fastest(_ body: () -> Void) -> Double {
            var best = Duration.seconds(1_000_000)
            for step in 0..<(warmup + steps) {
                let start = clock.now
                body()
                if step >= warmup { best = min(best, clock.now - start) }
            }
            return best.seconds
        }
        var costs: [StageCost] = []
        for (index, cost) in decoupled.enumerated() {
            var own = cost.stage + cost.synthesizerLearning
            if index > 0 {
                let model = try ForwardUnlockedExecutor.inputModel(ofStage: index, configuration: configuration,
                                                                   inputModel: inputModel, engine: engine)
                let target = Matrix.randomNormal(rows: batchSize, columns: widths[index], standardDeviation: 1,
                                                 using: &generator)
                own += fastest {
                    _ = model.predict(data)
                    model.learn(target: target)
                }
            }
            if index < decoupled.count - 1 {
                let stage = Stage(configuration: configuration, index: index, engine: engine)
                let input = Matrix.randomNormal(rows: batchSize, columns: widths[index], standardDeviation: 1,
                                                using: &generator)
                own += fastest { _ = stage.forward(input, mode: .probe) }
            }
            costs.append(StageCost(stage: own))
        }
        return costs
    }
}
