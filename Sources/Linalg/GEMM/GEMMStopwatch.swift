/// Times a GEMM kernel on one shape: warm-up, then the best of several repeats.
///
/// Each repeat runs the product enough times to last at least `minimumRepeatSeconds`, so that
/// small products are not lost in clock resolution; the figure is the best repeat's GFLOP/s
/// (the least disturbed by other work on the machine).
public struct GEMMStopwatch {
    /// The product's operands, allocated once.
    private let a: Matrix
    private let b: Matrix
    private var c: Matrix
    /// The shape being timed.
    public let shape: GEMMBenchmarkShape
    /// The shortest duration of one repeat, in seconds.
    public var minimumRepeatSeconds: Double

    /// Operands for `shape`, filled with uniform random values from a fixed seed.
    public init(shape: GEMMBenchmarkShape, minimumRepeatSeconds: Double = 0.05) {
        var generator = SeededGenerator(seed: 2016)
        self.shape = shape
        self.minimumRepeatSeconds = minimumRepeatSeconds
        a = Matrix.randomUniform(rows: shape.transposeA ? shape.k : shape.m, columns: shape.transposeA ? shape.m : shape.k,
                                 lower: -1, upper: 1, using: &generator)
        b = Matrix.randomUniform(rows: shape.transposeB ? shape.n : shape.k, columns: shape.transposeB ? shape.k : shape.n,
                                 lower: -1, upper: 1, using: &generator)
        c = Matrix(rows: shape.m, columns: shape.n)
    }

    /// Runs the product once with `kernel` (also a warm-up: packing buffers, caches, threads).
    public mutating func run(_ kernel: any GEMMKernel) {
        GEMMEngine(kernel: kernel).multiply(a, transposeA: shape.transposeA, b, transposeB: shape.transposeB, into: &c)
    }

    /// The GFLOP/s of one repeat: as many products as fit in ``minimumRepeatSeconds``.
    public mutating func measureOnce(_ kernel: any GEMMKernel) -> Double {
        let clock = ContinuousClock()
        var iterations = 0
        let start = clock.now
        var elapsed = 0.0
        repeat {
            run(kernel)
            iterations += 1
            elapsed = Self.seconds(clock.now - start)
        } while elapsed < minimumRepeatSeconds
        return shape.flops * Double(iterations) / elapsed / 1e9
    }

    /// The best GFLOP/s of `repeats` repeats for each kernel, after one warm-up run each. The
    /// kernels are interleaved repeat by repeat, so that a burst of load elsewhere on the
    /// machine hurts them alike.
    public mutating func bestGFLOPS(_ kernels: [any GEMMKernel], repeats: Int) -> [Double] {
        for kernel in kernels { run(kernel) }
        var best = [Double](repeating: 0, count: kernels.count)
        for _ in 0..<max(1, repeats) {
            for (index, kernel) in kernels.enumerated() {
                best[index] = max(best[index], measureOnce(kernel))
            }
        }
        return best
    }

    /// A duration in seconds.
    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
