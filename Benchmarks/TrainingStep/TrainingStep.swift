// Training-step suite: one step of each method on the post's addition network and on the
// paper's 3×256 MNIST network, after warm-up. Besides time, it counts mallocs: once warmed up a
// step must allocate nothing (the row's malloc count equals the "baseline empty loop" row,
// which measures the harness's own allocations).
import Benchmark
import DNI
import Linalg

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        maxDuration: .seconds(1),
        maxIterations: 500
    )
    Benchmark("baseline empty loop") { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(0) }
        benchmark.stopMeasurement()
    }
    for method in TrainingMethod.allCases {
        var addition = AdditionExperiment(method: method)
        addition.batchSize = 16
        registerStep(name: "addition \(method.rawValue) batch 16", configuration: addition.networkConfiguration,
                     loss: MeanSquaredError(), batchSize: 16)
        let mnist = MNISTExperiment(method: method)
        registerStep(name: "mnist 3x256 \(method.rawValue) batch 256", configuration: mnist.networkConfiguration,
                     loss: SoftmaxCrossEntropy(), batchSize: 256)
    }
}

/// Registers one benchmark that times `network.trainStep` on a fixed random batch.
func registerStep(name: String, configuration: NetworkConfiguration, loss: some Loss & Sendable, batchSize: Int) {
    Benchmark(name) { benchmark in
        let network = Network(configuration: configuration, loss: loss)
        var generator = SeededGenerator(seed: 1)
        let input = Matrix.randomUniform(rows: batchSize, columns: configuration.inputSize, lower: 0, upper: 1,
                                         using: &generator)
        var target = Matrix(rows: batchSize, columns: configuration.outputSize)
        for row in 0..<batchSize { target[row, generator.nextInt(below: configuration.outputSize)] = 1 }
        for _ in 0..<3 { network.trainStep(input: input, target: target) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(network.trainStep(input: input, target: target))
        }
        benchmark.stopMeasurement()
    }
}
