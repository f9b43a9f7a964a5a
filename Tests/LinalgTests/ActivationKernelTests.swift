import Linalg
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The vectorised exp and sigmoid against the C library and a Double-precision oracle.
@Suite struct ActivationKernelTests {
    static var instructionSets: [GEMMInstructionSet] {
        GEMMInstructionSet.allCases.filter(\.isSupported)
    }

    /// Distance in units in the last place between two finite floats of the same sign.
    static func ulps(_ x: Float, _ y: Float) -> Int {
        if x == y { return 0 }
        return abs(Int(x.bitPattern) - Int(y.bitPattern))
    }

    /// Steps of 0.0137 over [−87, 88.5]: the whole range where exp is a normal float.
    static let inputs: [Float] = stride(from: Float(-87), through: 88.5, by: 0.0137).map { $0 }

    @Test(arguments: instructionSets)
    func exponentialIsWithinTwoUlpsOfLibm(instructionSet: GEMMInstructionSet) {
        let x = Matrix(rows: 1, columns: Self.inputs.count, values: Self.inputs)
        var y = Matrix.empty
        x.exponential(into: &y, instructionSet: instructionSet)
        var worst = 0
        for (input, output) in zip(Self.inputs, y.storage) {
            worst = max(worst, Self.ulps(output, expf(input)))
        }
        #expect(worst <= 2, "\(instructionSet.rawValue): worst \(worst) ulp")
    }

    @Test(arguments: instructionSets)
    func exponentialHandlesSpecialValues(instructionSet: GEMMInstructionSet) {
        let specials: [Float] = [0, -0.0, 1, .infinity, -.infinity, .nan, 89, 100, -104, -200, 88.7, -100]
        let x = Matrix(rows: 1, columns: specials.count, values: specials)
        var y = Matrix.empty
        x.exponential(into: &y, instructionSet: instructionSet)
        #expect(y[0, 0] == 1 && y[0, 1] == 1)
        #expect(Self.ulps(y[0, 2], expf(1)) <= 1)
        #expect(y[0, 3] == .infinity && y[0, 4] == 0 && y[0, 5].isNaN)
        #expect(y[0, 6] == .infinity && y[0, 7] == .infinity)
        #expect(y[0, 8] == 0 && y[0, 9] == 0)
        #expect(Self.ulps(y[0, 10], expf(88.7)) <= 2)
        // Gradual underflow: exp(−100) ≈ 3.7e−44 is subnormal; within a few subnormal steps.
        #expect(abs(y[0, 11] - expf(-100)) <= 4 * Float.leastNonzeroMagnitude)
    }

    @Test(arguments: instructionSets)
    func sigmoidMatchesDoubleOracle(instructionSet: GEMMInstructionSet) {
        let values: [Float] = stride(from: Float(-80), through: 80, by: 0.0113).map { $0 } + [.infinity, -.infinity]
        var x = Matrix(rows: 1, columns: values.count, values: values)
        var y = Matrix.empty
        x.sigmoid(into: &y, instructionSet: instructionSet)
        var worst = 0
        for (input, output) in zip(values, y.storage) {
            let expected = Float(1 / (1 + doubleExponential(-Double(input))))
            worst = max(worst, Self.ulps(output, expected))
        }
        // exp (≤ 2 ulp), then an add and a correctly rounded divide: ≤ 3 ulp.
        #expect(worst <= 3, "\(instructionSet.rawValue): worst \(worst) ulp")
        x.formSigmoid(instructionSet: instructionSet)
        #expect(x == y)
    }

    @Test func oddLengthsUseTheTail() {
        for count in [0, 1, 7, 8, 9, 17] {
            let x = Matrix(rows: 1, columns: count, values: (0..<count).map { Float($0) / 4 })
            var y = Matrix.empty
            x.exponential(into: &y)
            #expect(y.count == count)
            for index in 0..<count { #expect(Self.ulps(y[0, index], expf(x[0, index])) <= 2) }
        }
    }
}

/// The C library's double-precision exp.
private func doubleExponential(_ x: Double) -> Double { exp(x) }
