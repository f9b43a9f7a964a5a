import DNI
import Linalg
import Testing

@Suite struct OptimizerTests {
    @Test func sgdStepsAgainstTheGradient() {
        let parameter = Parameter(name: "w", value: Matrix([[1, -2]]))
        parameter.gradient = Matrix([[0.5, -1]])
        SGD(learningRate: 0.1).update([parameter])
        #expect(parameter.value == Matrix([[0.95, -1.9]]))
    }

    /// Two Adam steps computed by hand: t = 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², step = η·sign(g)
    /// (up to ε); t = 2 with gradient g₂ follows the formulas with β₁² and β₂² corrections.
    @Test func adamMatchesHandComputedSteps() {
        let parameter = Parameter(name: "w", value: Matrix([[1, 2]]))
        let adam = Adam(learningRate: 0.1)
        parameter.gradient = Matrix([[2, -0.5]])
        adam.update([parameter])
        #expect(abs(parameter.value[0, 0] - 0.9) < 1e-6)
        #expect(abs(parameter.value[0, 1] - 2.1) < 1e-6)
        parameter.gradient = Matrix([[1, 1]])
        adam.update([parameter])
        // Element 0: m = 0.9·0.2 + 0.1·1 = 0.28, v = 0.999·0.004 + 0.001·1 = 0.004996;
        // m̂ = 0.28/0.19, v̂ = 0.004996/0.001999; θ = 0.9 − 0.1·m̂/√v̂.
        let expected0 = 0.9 - 0.1 * (0.28 / 0.19) / (0.004996 / 0.001999).squareRoot()
        // Element 1: m = 0.9·(−0.05) + 0.1 = 0.055, v = 0.999·0.00025 + 0.001 = 0.00124975.
        let expected1 = 2.1 - 0.1 * (0.055 / 0.19) / (0.00124975 / 0.001999).squareRoot()
        #expect(abs(Double(parameter.value[0, 0]) - expected0) < 1e-5)
        #expect(abs(Double(parameter.value[0, 1]) - expected1) < 1e-5)
        #expect(adam.stepCount == 2)
    }

    @Test func momentumAccumulatesVelocity() {
        let parameter = Parameter(name: "w", value: Matrix([[0]]))
        let optimizer = SGD(learningRate: 1, momentum: 0.5)
        parameter.gradient = Matrix([[1]])
        optimizer.update([parameter])
        optimizer.update([parameter])
        #expect(parameter.value == Matrix([[-2.5]]))
    }

    /// The eight-lane path and the scalar tail must both follow the formulas: 19 elements cover
    /// two full SIMD8 blocks and a tail of three, checked against a Double reference.
    @Test func adamVectorPathMatchesScalarFormula() {
        var generator = SeededGenerator(seed: 12)
        let start = Matrix.randomNormal(rows: 1, columns: 19, standardDeviation: 1, using: &generator)
        let parameter = Parameter(name: "w", value: start)
        let adam = Adam(learningRate: 0.01)
        var m = [Double](repeating: 0, count: 19), v = m
        var expected = start.storage.map(Double.init)
        for t in 1...3 {
            parameter.gradient = .randomNormal(rows: 1, columns: 19, standardDeviation: 1, using: &generator)
            adam.update([parameter])
            for i in 0..<19 {
                let g = Double(parameter.gradient[0, i])
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                var decay1 = 1.0, decay2 = 1.0
                for _ in 0..<t { decay1 *= 0.9; decay2 *= 0.999 }
                let mHat = m[i] / (1 - decay1), vHat = v[i] / (1 - decay2)
                expected[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        for i in 0..<19 {
            #expect(abs(Double(parameter.value[0, i]) - expected[i]) < 1e-5, "element \(i)")
        }
    }
}
