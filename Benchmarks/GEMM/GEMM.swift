// GEMM suite: the built-in packed kernel and the system BLAS (when found) on the shapes of a
// training step (GEMMBenchmarkShape.standard), at 1 thread and at every online processor.
// Besides time, it counts mallocs: a warm GEMM must allocate nothing. The harness itself shows
// 16 mallocs per sample on Linux (see "baseline empty loop"); a GEMM row with the same count
// allocated nothing.
import Benchmark
import Linalg

/// GFLOP/s × 1000 of the measured loop (the metric store keeps integers).
let megaflopsMetric = BenchmarkMetric.custom("MFLOP/s", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput, megaflopsMetric],
        warmupIterations: 2,
        maxDuration: .seconds(1),
        maxIterations: 200
    )
    // The harness's own allocations per sample, to subtract from the GEMM rows.
    Benchmark("baseline empty loop") { benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(0) }
        benchmark.stopMeasurement()
    }
    let processors = PackedGEMM.activeProcessorCount
    for threads in processors > 1 ? [1, processors] : [1] {
        for shape in GEMMBenchmarkShape.standard {
            registerGEMM(label: "builtin", kernel: PackedGEMM(threads: threads), shape: shape, threads: threads)
            if let blas = GEMMEngine.systemBLAS {
                registerGEMM(label: "blas", kernel: blas, shape: shape, threads: threads) {
                    blas.setThreadCount(threads)
                }
            }
        }
    }
}

/// Registers one benchmark: `kernel` on `shape`, operands allocated before measuring starts.
func registerGEMM(label: String, kernel: any GEMMKernel, shape: GEMMBenchmarkShape, threads: Int,
                  prepare: @escaping @Sendable () -> Void = {}) {
    Benchmark("\(label) \(shape.m)x\(shape.n)x\(shape.k) \(shape.transposeCode) threads=\(threads)") { benchmark in
        prepare()
        var stopwatch = GEMMStopwatch(shape: shape)
        stopwatch.run(kernel)
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let start = clock.now
        for _ in benchmark.scaledIterations {
            stopwatch.run(kernel)
        }
        let elapsed = clock.now - start
        benchmark.stopMeasurement()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let flops = shape.flops * Double(benchmark.scaledIterations.count)
        benchmark.measurement(megaflopsMetric, Int(flops / max(seconds, 1e-9) / 1e6))
        blackHole(stopwatch)
    }
}
