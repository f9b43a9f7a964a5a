#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded random number generator whose sequence is the same on every platform.
///
/// SplitMix64 (Steele, Lea and Flood 2014): a 64-bit counter advanced by the golden-ratio
/// increment and scrambled by two multiply–xorshift rounds. Integers and floats are derived
/// with our own formulas (not the standard library's, which may change between releases), so
/// a seed reproduces a run bit for bit wherever Swift runs. Normal variates use Box–Muller.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The whole state: `SeededGenerator(seed: generator.state)` continues the sequence exactly
    /// where `generator` stands (checkpoints save it).
    public private(set) var state: UInt64

    /// A generator whose sequence is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// Stream number `stream` of `seed`: an independent generator per stage (or per rank) that
    /// each can build alone from the run's seed and its own index, with no generator shared
    /// between stages. The stream's start is `seed` scrambled together with `stream` through the
    /// SplitMix64 finaliser, so neighbouring streams do not overlap in any run of practical length.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next() ^ (stream &+ 0x632B_E59B_D9B4_E019)
    }

    /// The next 64 uniformly distributed bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<upperBound` (unbiased, by rejection; Lemire 2019).
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upperBound must be positive")
        let bound = UInt64(upperBound)
        let threshold = (0 &- bound) % bound
        while true {
            let product = next().multipliedFullWidth(by: bound)
            if product.low >= threshold { return Int(product.high) }
        }
    }

    /// A uniform `Float` in `[0, 1)` with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform `Float` in `[lower, upper)`.
    public mutating func nextFloat(in lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextUnitFloat()
    }

    /// A standard normal variate (Box–Muller; one of the pair is used).
    public mutating func nextNormal() -> Float {
        var u1 = nextUnitDouble()
        while u1 == 0 { u1 = nextUnitDouble() }
        let u2 = nextUnitDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A random permutation of `0..<count` (Fisher–Yates with ``nextInt(below:)``).
    public mutating func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<count)
        shuffle(&indices)
        return indices
    }

    /// Shuffles `values` in place (Fisher–Yates with ``nextInt(below:)``).
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { values.swapAt(i, j) }
        }
    }
}

extension Matrix {
    /// A matrix of independent normal variates with the given standard deviation.
    public static func randomNormal(rows: Int, columns: Int, standardDeviation: Float,
                                    using generator: inout SeededGenerator) -> Matrix {
        var matrix = Matrix(rows: rows, columns: columns)
        matrix.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = standardDeviation * generator.nextNormal() }
        }
        return matrix
    }

    /// A matrix of independent uniform variates in `[lower, upper)`.
    public static func randomUniform(rows: Int, columns: Int, lower: Float, upper: Float,
                                     using generator: inout SeededGenerator) -> Matrix {
        var matrix = Matrix(rows: rows, columns: columns)
        matrix.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = generator.nextFloat(in: lower, upper) }
        }
        return matrix
    }
}
