#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import DNI
import Linalg

extension DNICommand.Bench {
    /// `dni bench conv`: the convolution layer's GFLOP/s on the paper's shapes beside the GEMM
    /// ceiling of the same products, and the paper's 3-stage CNN training step in samples/s.
    struct ConvolutionBenchmark: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "conv",
            abstract: "Time the convolution layer and a CNN training step.",
            discussion: """
                For the paper's convolutions (5×5, 64 filters, padding 2, on 28×28×1 and 14×14×64 \
                inputs) at each batch size, prints the forward and backward GFLOP/s of \
                Convolution2D beside the GFLOP/s the built-in GEMM reaches alone on the im2col \
                products the layer issues (forward: patches·W; backward: patchesᵀ·δ and δ·Wᵀ), \
                best of --repeat (the layer and the bare products interleaved). Then the training step of the paper's 3-stage CNN (backprop, \
                Adam, random data) in samples/s, best of --repeat runs of --steps steps.
                """)

        @Flag(help: "Print one JSON object per measurement.")
        var json = false

        @Option(help: "Threads of the built-in GEMM.")
        var threads = 1

        @Option(name: .customLong("repeat"), help: "Repeats per measurement; the best is reported.")
        var repeats = 3

        @Option(help: "Comma-separated batch sizes.")
        var batchSizes = "64,256"

        @Option(help: "Training steps per repeat of the CNN step measurement.")
        var steps = 5

        @Flag(help: "Skip the CNN training-step measurement.")
        var skipStep = false

        @Flag(help: "Skip the convolution-layer measurement.")
        var skipLayers = false

        func validate() throws {
            if threads < 1 { throw ValidationError("--threads must be at least 1") }
            if repeats < 1 { throw ValidationError("--repeat must be at least 1") }
            if steps < 1 { throw ValidationError("--steps must be at least 1") }
            if parsedBatchSizes == nil {
                throw ValidationError("--batch-sizes must be positive integers separated by commas, got '\(batchSizes)'")
            }
        }

        var parsedBatchSizes: [Int]? {
            let values = batchSizes.split(separator: ",").map { Int($0.filter { $0 != " " }) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
            return values.map { $0! }
        }

        func run() throws {
            let output = CommandOutput.process
            let engine = GEMMEngine.builtin(threads: threads)
            let batches = parsedBatchSizes ?? [64, 256]
            if !skipLayers {
                if !json {
                    output.line("Convolution2D 5×5/1 pad 2, 64 filters, no bias; built-in GEMM (\(GEMMInstructionSet.best.rawValue)), "
                          + "\(threads) thread(s); best of \(repeats); GFLOP/s")
                    output.line(pad("input", 11) + pad("batch", 7) + pad("forward", 9) + pad("gemm", 8) + pad("ratio", 7)
                          + pad("backward", 10) + pad("gemm", 8) + pad("ratio", 7) + "gemm shapes (m×n×k)")
                }
                for input in [SpatialShape(height: 28, width: 28, channels: 1), SpatialShape(height: 14, width: 14, channels: 64)] {
                    for batch in batches {
                        let figures = ConvolutionTiming.measureLayer(input: input, batch: batch, engine: engine,
                                                                     threads: threads, repeats: repeats)
                        output.line(json ? figures.jsonLine(threads: threads) : figures.tableLine)
                    }
                }
            }
            if !skipStep {
                if !json {
                    output.line("paper's CNN (3 × conv 5×5/64 + BN + ReLU + max-pool 3×3/2, linear classifier), backprop, "
                          + "Adam; \(threads) thread(s); best of \(repeats) × \(steps) steps")
                    output.line(pad("batch", 7) + pad("samples/s", 11) + "samples per CPU-second")
                }
                for batch in batches {
                    let (samples, perCPUSecond) = ConvolutionTiming.measureTrainingStep(
                        batch: batch, engine: engine, steps: steps, repeats: repeats)
                    if json {
                        output.line(#"{"event":"cnn_step","peer":"swift","batch_size":\#(batch),"threads":\#(threads),"#
                              + #""steps":\#(steps),"samples_per_second":\#(ConvolutionTiming.format(samples, 1)),"#
                              + #""samples_per_cpu_second":\#(ConvolutionTiming.format(perCPUSecond, 1))}"#)
                    } else {
                        output.line(pad("\(batch)", 7) + pad(ConvolutionTiming.format(samples, 1), 11)
                              + ConvolutionTiming.format(perCPUSecond, 1))
                    }
                }
            }
        }

        func pad(_ text: String, _ width: Int) -> String { ConvolutionTiming.pad(text, width) }
    }
}

/// The measurements of `dni bench conv`.
enum ConvolutionTiming {
    /// One row of the layer table.
    struct LayerFigures {
        var input: SpatialShape
        var batch: Int
        var forward: Double
        var backward: Double
        var gemmForward: Double
        var gemmBackward: Double
        var shapes: [GEMMBenchmarkShape]

        var tableLine: String {
            pad("\(input)", 11) + pad("\(batch)", 7) + pad(format(forward, 1), 9) + pad(format(gemmForward, 1), 8)
                + pad(format(forward / gemmForward, 2), 7) + pad(format(backward, 1), 10) + pad(format(gemmBackward, 1), 8)
                + pad(format(backward / gemmBackward, 2), 7) + shapes.map(\.description).joined(separator: ", ")
        }

        func jsonLine(threads: Int) -> String {
            #"{"event":"conv","input":"\#(input.height)x\#(input.width)x\#(input.channels)","filters":64,"#
                + #""batch_size":\#(batch),"threads":\#(threads),"forward_gflops":\#(format(forward, 2)),"#
                + #""backward_gflops":\#(format(backward, 2)),"gemm_forward_gflops":\#(format(gemmForward, 2)),"#
                + #""gemm_backward_gflops":\#(format(gemmBackward, 2))}"#
        }
    }

    /// Seconds since `start`.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let parts = (ContinuousClock.now - start).components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }

    /// Forward and backward (with the input gradient) GFLOP/s of a 5×5/64 convolution without
    /// bias (as in the CNN, where batch norm follows) on
    /// `input`, best of `repeats` repeats of at least 0.2 s each, and the GEMM's own GFLOP/s on
    /// the products of one chunk. Backward does two products of the forward's size.
    static func measureLayer(input: SpatialShape, batch: Int, engine: GEMMEngine, threads: Int, repeats: Int) -> LayerFigures {
        var generator = SeededGenerator(seed: 2016)
        let layer = Convolution2D(input: input, filters: 64, window: SlidingWindow(size: 5, stride: 1, padding: 2),
                                  bias: false, generator: &generator, engine: engine)
        let x = Matrix.randomUniform(rows: batch, columns: input.size, lower: 0, upper: 1, using: &generator)
        let gradient = Matrix.randomNormal(rows: batch, columns: layer.outputSize, standardDeviation: 1, using: &generator)
        let forwardFlops = 2 * Double(batch * layer.outputShape.pixelCount) * Double(layer.patches.patchSize) * 64
        _ = layer.forward(x, mode: .training)
        _ = layer.backward(gradient, needsInputGradient: true)
        let rows = layer.examplesPerChunk(batch: batch) * layer.outputShape.pixelCount
        let k = layer.patches.patchSize
        let shapes = [
            GEMMBenchmarkShape(m: rows, n: 64, k: k),
            GEMMBenchmarkShape(m: k, n: 64, k: rows, transposeA: true),
            GEMMBenchmarkShape(m: rows, n: k, k: 64, transposeB: true),
        ]
        let kernel = PackedGEMM(threads: threads)
        var stopwatches = shapes.map { GEMMStopwatch(shape: $0, minimumRepeatSeconds: 0.1) }
        for index in stopwatches.indices { stopwatches[index].run(kernel) }
        // Layer and bare products interleaved repeat by repeat, so that load elsewhere on the
        // machine hurts both alike; the best repeat of each is reported.
        var bestForward = 0.0, bestBackward = 0.0
        var gemm = [Double](repeating: 0, count: shapes.count)
        for _ in 0..<repeats {
            var forwardSeconds = 0.0, backwardSeconds = 0.0, iterations = 0
            repeat {
                let start = ContinuousClock.now
                _ = layer.forward(x, mode: .training)
                forwardSeconds += seconds(since: start)
                let middle = ContinuousClock.now
                _ = layer.backward(gradient, needsInputGradient: true)
                backwardSeconds += seconds(since: middle)
                iterations += 1
            } while forwardSeconds + backwardSeconds < 0.2
            bestForward = max(bestForward, forwardFlops * Double(iterations) / forwardSeconds / 1e9)
            bestBackward = max(bestBackward, 2 * forwardFlops * Double(iterations) / backwardSeconds / 1e9)
            for index in stopwatches.indices { gemm[index] = max(gemm[index], stopwatches[index].measureOnce(kernel)) }
        }
        // The two backward products have equal flop counts: their joint rate is the harmonic mean.
        return LayerFigures(input: input, batch: batch, forward: bestForward, backward: bestBackward,
                            gemmForward: gemm[0], gemmBackward: 2 / (1 / gemm[1] + 1 / gemm[2]), shapes: shapes)
    }

    /// The CPU time this process has used, in seconds (every thread).
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Samples per second of backprop training steps of the paper's 3-stage MNIST CNN with Adam
    /// on a fixed random batch, best of `repeats` runs of `steps` steps after two warm-up steps;
    /// and samples per CPU-second of the process, best of the same runs. With one thread on a
    /// machine shared with other work, the second figure is the steadier one: it counts the
    /// time this process computed, not the time it waited for a core.
    static func measureTrainingStep(batch: Int, engine: GEMMEngine, steps: Int, repeats: Int) -> (Double, Double) {
        var generator = SeededGenerator(seed: 2016)
        let configuration = ConvolutionalNetworkConfiguration()
        let stages = configuration.stageBodies(generator: &generator, engine: engine).map {
            Stage(body: $0, optimizer: Adam(learningRate: 1e-3))
        }
        let network = Network(stages: stages, loss: SoftmaxCrossEntropy(), method: .backprop, engine: engine)
        let input = Matrix.randomUniform(rows: batch, columns: configuration.input.size, lower: 0, upper: 1, using: &generator)
        let labels = (0..<batch).map { _ in generator.nextInt(below: configuration.classes) }
        let target = oneHotMatrix(labels: labels, classCount: configuration.classes)
        for _ in 0..<2 { _ = network.trainStep(input: input, target: target) }
        var best = 0.0, bestPerCPUSecond = 0.0
        for _ in 0..<repeats {
            let start = ContinuousClock.now, cpuStart = processCPUSeconds()
            for _ in 0..<steps { _ = network.trainStep(input: input, target: target) }
            best = max(best, Double(batch * steps) / seconds(since: start))
            bestPerCPUSecond = max(bestPerCPUSecond, Double(batch * steps) / (processCPUSeconds() - cpuStart))
        }
        return (best, bestPerCPUSecond)
    }

    /// `value` with `digits` decimals.
    static func format(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return text
    }

    /// `text` padded with spaces to `width` characters.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
