import Foundation
import Testing
@testable import DNIReports

/// Nice tick values: 1, 2 or 5 × 10ᵏ steps covering the data, with exact labels.
@Suite struct NiceTicksTests {
    @Test func lossRange() {
        let ticks = NiceTicks(minimum: 0.05, maximum: 0.7, targetCount: 6)
        #expect(ticks.step == 0.2)
        #expect(ticks.lower == 0)
        #expect(ticks.upper == 0.8)
        #expect(ticks.labels == ["0.0", "0.2", "0.4", "0.6", "0.8"])
    }

    @Test func epochsUseWholeSteps() {
        let ticks = NiceTicks(minimum: 1, maximum: 3, targetCount: 10, integerStep: true)
        #expect(ticks.step == 1)
        #expect(ticks.labels == ["1", "2", "3"])
    }

    @Test func stepsInThousands() {
        let ticks = NiceTicks(minimum: 100, maximum: 6000, targetCount: 10, integerStep: true)
        #expect(ticks.step == 1000)
        #expect(ticks.labels == ["0", "1000", "2000", "3000", "4000", "5000", "6000"])
    }

    @Test func negativeToPositive() {
        let ticks = NiceTicks(minimum: -0.13, maximum: 0.81, targetCount: 6)
        #expect(ticks.values.first! <= -0.13)
        #expect(ticks.values.last! >= 0.81)
        #expect(ticks.labels.contains("0.0"))
        #expect(!ticks.labels.contains("-0.0"))
    }

    @Test func smallValuesGetEnoughDecimals() {
        let ticks = NiceTicks(minimum: 0.0012, maximum: 0.0049, targetCount: 5)
        #expect(ticks.decimals == 3)
        #expect(ticks.labels == ["0.001", "0.002", "0.003", "0.004", "0.005"])
    }

    @Test(arguments: [0.0, 0.37, -2.0, 1000.0])
    func aSingleValueIsWidenedAroundIt(value: Double) {
        let ticks = NiceTicks(minimum: value, maximum: value, targetCount: 5)
        #expect(ticks.lower < value)
        #expect(ticks.upper > value)
        #expect(ticks.values.count >= 2)
    }

    @Test func ticksAreEvenlySpacedAndCoverTheRange() {
        for (minimum, maximum) in [(0.0, 1.0), (3.2, 97.0), (-5.0, -1.0), (1e-4, 3e-4), (12.0, 12_345.0)] {
            for count in 2...10 {
                let ticks = NiceTicks(minimum: minimum, maximum: maximum, targetCount: count)
                #expect(ticks.lower <= minimum && ticks.upper >= maximum)
                #expect(ticks.values.count >= 2 && ticks.values.count <= 2 * count + 1)
                let mantissa = ticks.step / pow(10, log10(ticks.step).rounded(.down))
                #expect([1, 2, 5, 10].contains { abs($0 - mantissa) < 1e-9 })
                #expect(Set(ticks.labels).count == ticks.labels.count)
            }
        }
    }

    @Test func niceNumbers() {
        #expect(NiceTicks.niceNumber(0.65, rounding: false) == 1)
        #expect(NiceTicks.niceNumber(0.13, rounding: true) == 0.1)
        #expect(NiceTicks.niceNumber(0.27, rounding: true) == 0.2)
        #expect(NiceTicks.niceNumber(42, rounding: true) == 50)
        #expect(NiceTicks.niceNumber(8, rounding: true) == 10)
        #expect(NiceTicks.niceNumber(3, rounding: false) == 5)
    }
}
