import ArgumentParser
import Linalg

extension DNICommand {
    /// `dni bench`: performance measurements.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the speed of the kernels.",
            subcommands: [GEMMBenchmark.self, ExecutionBenchmark.self, ConvolutionBenchmark.self, CheckpointBenchmark.self])
    }
}

extension DNICommand.Bench {
    /// `dni bench gemm`: the built-in GEMM and the system BLAS side by side, in GFLOP/s.
    struct GEMMBenchmark: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gemm",
            abstract: "Time the built-in GEMM and the system BLAS (if found) side by side.",
            discussion: """
                For each shape of a training step and for 1 thread and all threads, prints the best \
                GFLOP/s of --repeat repeats after a warm-up, for the built-in kernel and the \
                system CBLAS, and their ratio (built-in / BLAS).
                """)

        @Flag(help: "Print one JSON object per shape and thread count.")
        var json = false

        @Option(help: "Time only this thread count (default: 1 and every online processor).")
        var threads: Int?

        @Option(name: .customLong("repeat"), help: "Repeats per measurement; the best is reported.")
        var repeats = 5

        @Flag(help: """
            Time only the built-in kernel. With more than one thread, OpenBLAS's idle workers \
            busy-wait for a while after each call and take the cores the built-in kernel's \
            workers need, so interleaved multi-threaded figures understate the built-in kernel.
            """)
        var builtinOnly = false

        func validate() throws {
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if repeats < 1 { throw ValidationError("--repeat must be at least 1") }
        }

        func run() throws {
            let all = PackedGEMM.activeProcessorCount
            let threadCounts = threads.map { [$0] } ?? (all > 1 ? [1, all] : [1])
            let blas = builtinOnly ? nil : GEMMEngine.systemBLAS
            if !json {
                print("builtin: packed 6×16, \(GEMMInstructionSet.best.microkernelDescription) microkernel")
                print("blas: \(blas?.libraryPath ?? "not found")")
                print("best of \(repeats) repeats after warm-up, GFLOP/s")
                print(pad("m×n×k", 16) + pad("op", 4) + pad("threads", 9) + pad("builtin", 10)
                      + pad("blas", 10) + pad("ratio", 7) + "role")
            }
            for threadCount in threadCounts {
                blas?.setThreadCount(threadCount)
                let builtin = PackedGEMM(threads: threadCount)
                for shape in GEMMBenchmarkShape.standard {
                    var stopwatch = GEMMStopwatch(shape: shape)
                    let kernels: [any GEMMKernel] = blas.map { [builtin, $0] } ?? [builtin]
                    let figures = stopwatch.bestGFLOPS(kernels, repeats: repeats)
                    let blasFigure = figures.count > 1 ? figures[1] : nil
                    let ratio = blasFigure.map { figures[0] / $0 }
                    if json {
                        print(jsonLine(shape: shape, threads: threadCount, builtin: figures[0],
                                       blas: blasFigure, ratio: ratio))
                    } else {
                        print(pad("\(shape.m)×\(shape.n)×\(shape.k)", 16) + pad(shape.transposeCode, 4)
                              + pad("\(threadCount)", 9) + pad(format(figures[0]), 10)
                              + pad(blasFigure.map { format($0) } ?? "-", 10) + pad(ratio.map { format($0, 2) } ?? "-", 7)
                              + shape.role)
                    }
                }
            }
        }

        /// One `{"event":"gemm",…}` line (docs/reports.md).
        func jsonLine(shape: GEMMBenchmarkShape, threads: Int, builtin: Double, blas: Double?, ratio: Double?) -> String {
            let blasText = blas.map { format($0, 2) } ?? "null"
            let ratioText = ratio.map { format($0, 3) } ?? "null"
            return #"{"event":"gemm","m":\#(shape.m),"n":\#(shape.n),"k":\#(shape.k),"#
                + #""transpose":"\#(shape.transposeCode)","threads":\#(threads),"#
                + #""builtin_gflops":\#(format(builtin, 2)),"blas_gflops":\#(blasText),"ratio":\#(ratioText)}"#
        }

        /// `value` with `digits` decimals.
        func format(_ value: Double, _ digits: Int = 1) -> String { fixedDecimals(value, digits) }

        /// `text` padded with spaces to `width` characters.
        func pad(_ text: String, _ width: Int) -> String { padded(text, width) }
    }
}
