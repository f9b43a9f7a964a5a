import DNI
import Linalg
import Testing

@Suite struct BinaryAdditionTests {
    @Test func encodesMostSignificantBitFirst() {
        #expect(BinaryAddition.encode(6, bits: 4) == [0, 1, 1, 0])
        #expect(BinaryAddition.encode(0, bits: 3) == [0, 0, 0])
        #expect(BinaryAddition.decode([1, 0, 1, 1] as [Float]) == 11)
        #expect(BinaryAddition.decode([0.9, 0.2, 0.51] as [Float]) == 5)
    }

    @Test func problemsAreCorrectSums() {
        var generator = SeededGenerator(seed: 3)
        let (inputs, targets, _) = BinaryAddition.problems(count: 200, bits: 8, generator: &generator)
        #expect(inputs.columns == 16 && targets.columns == 8)
        for row in 0..<200 {
            let values = inputs.row(row)
            let a = BinaryAddition.decode(values[0..<8]), b = BinaryAddition.decode(values[8..<16])
            #expect(a < 128 && b < 128, "operands are drawn from [0, 2^(bits-1))")
            #expect(BinaryAddition.decode(targets.row(row)) == a + b)
        }
    }

    @Test func testSetIsHeldOut() throws {
        let dataset = try BinaryAddition.dataset(bits: 8, trainCount: 4000, testCount: 1000, seed: 1)
        func pairs(_ inputs: Matrix) -> Set<[Float]> { Set((0..<inputs.rows).map { inputs.row($0) }) }
        #expect(pairs(dataset.trainInputs).isDisjoint(with: pairs(dataset.testInputs)))
        #expect(dataset.testCount == 1000 && dataset.trainCount == 4000)
    }

    @Test func rejectsBadSizes() {
        #expect(throws: InputError.self) { try BinaryAddition.dataset(bits: 0, trainCount: 10, testCount: 10, seed: 1) }
        #expect(throws: InputError.self) { try BinaryAddition.dataset(bits: 8, trainCount: 0, testCount: 10, seed: 1) }
    }
}
