/// One GEMM problem size used to benchmark kernels: `C (m×n) = op(A) (m×k) · op(B) (k×n)`.
///
/// ``standard`` lists the products a training step of this project's networks runs: the
/// forward, weight-gradient and input-gradient products of a 784→256 MNIST layer at batch 256,
/// a square 256³, the small products of the binary-addition network (16→128→64→8 at batch 64
/// and 128), and a large 1024³ for comparison with published SGEMM figures.
public struct GEMMBenchmarkShape: Sendable, Hashable, CustomStringConvertible {
    /// Rows of C and of op(A).
    public var m: Int
    /// Columns of C and of op(B).
    public var n: Int
    /// The shared (inner) dimension.
    public var k: Int
    /// Whether A is stored transposed (k × m).
    public var transposeA: Bool
    /// Whether B is stored transposed (n × k).
    public var transposeB: Bool
    /// What the product is in a network, for tables.
    public var role: String

    /// A shape; see the type's documentation for the meaning of each dimension.
    public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false, role: String = "") {
        self.m = m
        self.n = n
        self.k = k
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.role = role
    }

    /// `NN`, `TN`, `NT` or `TT`: which operands are stored transposed.
    public var transposeCode: String {
        (transposeA ? "T" : "N") + (transposeB ? "T" : "N")
    }

    /// Floating-point operations of one product (a multiply and an add per term).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// `m×n×k` and the transpose code, e.g. `784×256×256 TN`.
    public var description: String { "\(m)×\(n)×\(k) \(transposeCode)" }

    /// The shapes `dni bench gemm` and the GEMM benchmark suite measure.
    public static let standard: [GEMMBenchmarkShape] = [
        GEMMBenchmarkShape(m: 256, n: 256, k: 784, role: "dense forward x·W (784→256, batch 256)"),
        GEMMBenchmarkShape(m: 784, n: 256, k: 256, transposeA: true, role: "weight gradient xᵀ·δ"),
        GEMMBenchmarkShape(m: 256, n: 784, k: 256, transposeB: true, role: "input gradient δ·Wᵀ"),
        GEMMBenchmarkShape(m: 256, n: 256, k: 256, role: "square 256³"),
        GEMMBenchmarkShape(m: 128, n: 128, k: 16, role: "addition net 16→128, batch 128"),
        GEMMBenchmarkShape(m: 128, n: 64, k: 128, role: "addition net 128→64, batch 128"),
        GEMMBenchmarkShape(m: 128, n: 8, k: 64, role: "addition net 64→8, batch 128"),
        GEMMBenchmarkShape(m: 64, n: 128, k: 16, role: "addition net 16→128, batch 64"),
        GEMMBenchmarkShape(m: 1024, n: 1024, k: 1024, role: "square 1024³"),
    ]
}
