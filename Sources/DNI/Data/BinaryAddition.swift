import Linalg

/// The binary-addition task of Trask's post *Deep Learning without Backpropagation*.
///
/// Two integers a, b are drawn uniformly from `[0, 2^(bits−1))`, so that a + b fits in `bits`
/// bits. The input row is a's `bits` binary digits followed by b's, most significant first
/// (`2·bits` values in {0, 1}); the target row is the `bits` digits of a + b.
public enum BinaryAddition {
    /// The binary digits of `value` in `bits` places, most significant first.
    public static func encode(_ value: Int, bits: Int) -> [Float] {
        precondition(bits >= 1 && bits <= 62, "bits must be in 1...62")
        precondition(value >= 0 && value < (1 << bits), "\(value) does not fit in \(bits) bits")
        return (0..<bits).map { place in Float((value >> (bits - 1 - place)) & 1) }
    }

    /// The integer whose binary digits (most significant first) are `digits` rounded at ½.
    public static func decode(_ digits: some Collection<Float>) -> Int {
        digits.reduce(0) { ($0 << 1) | ($1 > 0.5 ? 1 : 0) }
    }

    /// `count` problems as (inputs `[count, 2·bits]`, targets `[count, bits]`, operand pairs).
    ///
    /// Pairs in `excluding` (as `a << bits | b`) are redrawn, so a test set can be held out
    /// from a training set; when `excluding` covers nearly all pairs this would loop, so the
    /// caller ensures enough pairs remain.
    public static func problems(count: Int, bits: Int, generator: inout SeededGenerator,
                                excluding: Set<Int> = []) -> (inputs: Matrix, targets: Matrix, pairs: [Int]) {
        let operandRange = 1 << (bits - 1)
        var inputs = Matrix(rows: count, columns: 2 * bits)
        var targets = Matrix(rows: count, columns: bits)
        var pairs: [Int] = []
        pairs.reserveCapacity(count)
        for row in 0..<count {
            var a = 0, b = 0
            repeat {
                a = generator.nextInt(below: operandRange)
                b = generator.nextInt(below: operandRange)
            } while excluding.contains(a << bits | b)
            pairs.append(a << bits | b)
            for (place, digit) in encode(a, bits: bits).enumerated() { inputs[row, place] = digit }
            for (place, digit) in encode(b, bits: bits).enumerated() { inputs[row, bits + place] = digit }
            for (place, digit) in encode(a + b, bits: bits).enumerated() { targets[row, place] = digit }
        }
        return (inputs, targets, pairs)
    }

    /// A training set of `trainCount` problems and a test set of `testCount` problems drawn
    /// with an independent generator; test problems are never training problems while at least
    /// half of all operand pairs are left unseen (up to 20 bits), otherwise only the seeds differ.
    public static func dataset(bits: Int, trainCount: Int, testCount: Int, seed: UInt64) throws -> Dataset {
        guard (1...30).contains(bits) else { throw InputError("--bits must be in 1...30, got \(bits)") }
        guard trainCount >= 1 else { throw InputError("--examples must be at least 1, got \(trainCount)") }
        guard testCount >= 1 else { throw InputError("--test-examples must be at least 1, got \(testCount)") }
        var trainGenerator = SeededGenerator(seed: seed)
        var testGenerator = SeededGenerator(seed: seed &+ 0x7E57_0000_0000_0001)
        let train = problems(count: trainCount, bits: bits, generator: &trainGenerator)
        let pairCount = 1 << (2 * (bits - 1))
        let seen = Set(train.pairs)
        let holdOut = bits <= 20 && pairCount - seen.count >= max(testCount, pairCount / 2)
        let test = problems(count: testCount, bits: bits, generator: &testGenerator,
                            excluding: holdOut ? seen : [])
        return Dataset(name: "addition", kind: .binaryAddition(bits: bits),
                       trainInputs: train.inputs, trainTargets: train.targets,
                       testInputs: test.inputs, testTargets: test.targets)
    }
}
