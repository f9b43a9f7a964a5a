import Testing
@testable import DNIReports

/// When a chart uses a log axis, and what the log axis's ticks are.
@Suite struct AxisScaleTests {
    @Test func automaticPicksLogBeyondOneAndAHalfDecades() {
        #expect(AxisScaleChoice.automatic.usesLogarithmicScale(for: [0.01, 0.5, 1]))
        #expect(AxisScaleChoice.automatic.usesLogarithmicScale(for: [0.96, 33]))
        #expect(!AxisScaleChoice.automatic.usesLogarithmicScale(for: [0.1, 2]))
        #expect(!AxisScaleChoice.automatic.usesLogarithmicScale(for: [0.05, 0.7]))
        #expect(!AxisScaleChoice.automatic.usesLogarithmicScale(for: []))
    }

    @Test func zeroOrNegativeValuesForceLinear() {
        for choice in AxisScaleChoice.allCases {
            #expect(!choice.usesLogarithmicScale(for: [0, 0.001, 10]))
            #expect(!choice.usesLogarithmicScale(for: [-1, 100]))
        }
    }

    @Test func askedScalesAreHonoured() {
        #expect(AxisScaleChoice.logarithmic.usesLogarithmicScale(for: [0.5, 0.6]))
        #expect(!AxisScaleChoice.linear.usesLogarithmicScale(for: [0.001, 1000]))
    }

    @Test func logAxisEndsOnOneTwoFiveMultiples() {
        let axis = AxisScale.logarithmic(values: [0.96, 2.4, 33])
        #expect(axis.lower == 0.5)
        #expect(axis.upper == 50)
        #expect(axis.ticks.filter { !$0.label.isEmpty }.map(\.label) == ["0.5", "1", "2", "5", "10", "20", "50"])
        #expect(abs(axis.fraction(of: 5) - 0.5) < 1e-12)
    }

    @Test func manyDecadesLabelOnlyDecadesAndEndOnDecades() {
        let axis = AxisScale.logarithmic(values: [1.5e-6, 0.5])
        let labels = axis.ticks.filter { !$0.label.isEmpty }.map(\.label)
        #expect(labels == ["10⁻⁶", "10⁻⁵", "10⁻⁴", "0.001", "0.01", "0.1", "1"])
        #expect(axis.ticks.filter(\.isMajor).count == 7)
    }

    @Test func veryManyDecadesThinTheLabels() {
        let axis = AxisScale.logarithmic(values: [1e-9, 1e3])
        let labelled = axis.ticks.filter { !$0.label.isEmpty }
        #expect(labelled.count == 7)
        #expect(axis.ticks.allSatisfy { $0.isMajor })
    }

    @Test func aSingleValueStillMakesAnAxis() {
        let axis = AxisScale.logarithmic(values: [1])
        #expect(axis.lower == 1)
        #expect(axis.upper == 2)
    }

    @Test func linearAxisPlacesValues() {
        let axis = AxisScale.linear(values: [0.05, 0.7], targetCount: 6)
        #expect(axis.fraction(of: 0) == 0)
        #expect(abs(axis.fraction(of: 0.4) - 0.5) < 1e-12)
        #expect(!axis.isLogarithmic)
    }
}

/// Compact labels for large counts such as training steps.
@Suite struct CompactLabelTests {
    @Test func thousandsAndMillions() {
        #expect(AxisScale.compactThousands([0, 20_000, 40_000]) == ["0", "20k", "40k"])
        #expect(AxisScale.compactThousands([0, 500_000, 1_000_000, 1_500_000]) == ["0", "0.5M", "1.0M", "1.5M"])
        #expect(AxisScale.compactThousands([0, 2_000_000, 4_000_000]) == ["0", "2M", "4M"])
        #expect(AxisScale.compactThousands([0, 1000, 2000]) == nil)
        #expect(AxisScale.compactThousands([0, 12_500, 25_000]) == nil)
    }
}
