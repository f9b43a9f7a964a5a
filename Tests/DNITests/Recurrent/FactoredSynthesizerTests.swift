import DNI
import Linalg
import Testing

/// The linear synthesizer factored through r columns (`--synthesizer-rank`): ĝ = (s·U)·V + b.
@Suite struct FactoredSynthesizerTests {
    static let engine = GEMMEngine(kernel: ReferenceGEMM())

    /// ℓ = (1/B) Σₙ ½‖M(sₙ) − δₙ‖² with the synthesizer's current parameters.
    static func loss(_ synthesizer: RecurrentSynthesizer, state: Matrix, target: Matrix) -> Double {
        var prediction = Matrix.empty
        synthesizer.predict(state, into: &prediction)
        var error = Matrix.empty
        prediction.zip(target, into: &error) { $0 - $1 }
        return 0.5 * error.dot(error) / Double(state.rows)
    }

    /// The map is linear and starts at zero: U is drawn, V and b are zero, so ĝ = 0 and the
    /// parameter count is 2·stateSize·r + stateSize.
    @Test func startsAtZeroWithTheFactoredShapes() {
        var generator = SeededGenerator(seed: 3)
        let synthesizer = RecurrentSynthesizer(stateSize: 10, rank: 3, optimizer: SGD(learningRate: 0.1),
                                               generator: &generator, engine: Self.engine)
        #expect(synthesizer.parameters.map { [$0.value.rows, $0.value.columns] } == [[10, 3], [3, 10], [1, 10]])
        #expect(synthesizer.parameters[0].value.norm() > 0)
        #expect(synthesizer.parameters[1].value.norm() == 0 && synthesizer.parameters[2].value.norm() == 0)
        var random = SeededGenerator(seed: 4), prediction = Matrix.empty
        synthesizer.predict(Matrix.randomNormal(rows: 4, columns: 10, standardDeviation: 1, using: &random), into: &prediction)
        #expect(prediction.norm() == 0)
    }

    /// U is scaled so that ‖s·U‖₁ ≈ ‖s‖₁: an Adam step on V then moves ĝ about as far as a
    /// step on the full map would (within 15% over 32 random states).
    @Test func projectionKeepsTheL1Norm() {
        var generator = SeededGenerator(seed: 8)
        let synthesizer = RecurrentSynthesizer(stateSize: 128, rank: 16, optimizer: SGD(learningRate: 0.1),
                                               generator: &generator, engine: Self.engine)
        var random = SeededGenerator(seed: 9)
        let states = Matrix.randomNormal(rows: 32, columns: 128, standardDeviation: 1, using: &random)
        let projected = synthesizer.layers[0].forward(states, mode: .inference)
        let l1 = { (m: Matrix) in m.storage.reduce(0.0) { $0 + Double(abs($1)) } }
        let ratio = l1(projected) / l1(states)
        #expect(abs(ratio - 1) < 0.15, "‖s·U‖₁ / ‖s‖₁ = \(ratio)")
    }

    /// One learning step with SGD at step size 1 moves every parameter by −∂ℓ/∂θ; each entry is
    /// checked against central finite differences of ℓ (U's gradient too, with V made non-zero).
    @Test func learningStepFollowsTheFiniteDifferenceGradient() {
        var generator = SeededGenerator(seed: 5)
        let synthesizer = RecurrentSynthesizer(stateSize: 6, rank: 2, optimizer: SGD(learningRate: 1),
                                               generator: &generator, engine: Self.engine)
        var random = SeededGenerator(seed: 6)
        for parameter in synthesizer.parameters {
            parameter.value = Matrix.randomNormal(rows: parameter.value.rows, columns: parameter.value.columns,
                                                  standardDeviation: 0.5, using: &random)
        }
        let state = Matrix.randomNormal(rows: 4, columns: 6, standardDeviation: 1, using: &random)
        let target = Matrix.randomNormal(rows: 4, columns: 6, standardDeviation: 1, using: &random)
        let before = synthesizer.parameters.map(\.value)
        // Finite differences at the starting parameters.
        let h: Float = 1e-2
        var numeric: [[Double]] = []
        for parameter in synthesizer.parameters {
            var column: [Double] = []
            for row in 0..<parameter.value.rows {
                for col in 0..<parameter.value.columns {
                    let saved = parameter.value[row, col]
                    parameter.value[row, col] = saved + h
                    let plus = Self.loss(synthesizer, state: state, target: target)
                    parameter.value[row, col] = saved - h
                    let minus = Self.loss(synthesizer, state: state, target: target)
                    parameter.value[row, col] = saved
                    column.append((plus - minus) / Double(2 * h))
                }
            }
            numeric.append(column)
        }
        let reported = synthesizer.learn(state: state, target: target)
        #expect(abs(reported - Self.loss(synthesizer, state: state, target: target)) > 0, "the step moved nothing")
        for (k, parameter) in synthesizer.parameters.enumerated() {
            for index in 0..<parameter.value.count {
                let analytic = Double(before[k].storage[index] - parameter.value.storage[index])
                #expect(abs(analytic - numeric[k][index]) <= 2e-3 * max(1, abs(numeric[k][index])),
                        "parameter \(k) entry \(index): step \(analytic), finite differences \(numeric[k][index])")
            }
        }
    }

    /// With a learning rate of 0 the factored synthesizer stays zero, and DNI is truncated BPTT
    /// bit for bit, as with the full map.
    @Test func frozenFactoredSynthesizerIsTruncatedBPTT() throws {
        let bptt = try RecurrentTrainingTests.train(RecurrentTrainingTests.copyExperiment(method: .backprop), windows: 12)
        var frozen = RecurrentTrainingTests.copyExperiment(method: .dni)
        frozen.synthesizerLearningRate = 0
        frozen.synthesizerRank = 4
        let dni = try RecurrentTrainingTests.train(frozen, windows: 12)
        #expect(bptt.losses == dni.losses)
        #expect(bptt.parameters == dni.parameters)
        // Learning, it moves the core.
        frozen.synthesizerLearningRate = 1e-2
        frozen.syntheticGradientScale = 1
        #expect(try RecurrentTrainingTests.train(frozen, windows: 12).parameters != bptt.parameters)
    }

    /// The settings refuse a rank with the wrong method, with hidden layers, or outside 1...2H.
    @Test func settingsAreChecked() {
        var experiment = RecurrentTrainingTests.copyExperiment(method: .dni)
        experiment.synthesizerRank = 32
        #expect(throws: Never.self) { try experiment.validate() }
        experiment.synthesizerRank = 33
        #expect(throws: InputError.self) { try experiment.validate() }
        experiment.synthesizerRank = 0
        #expect(throws: InputError.self) { try experiment.validate() }
        experiment.synthesizerRank = 4
        experiment.synthesizerHiddenLayers = 1
        #expect(throws: InputError.self) { try experiment.validate() }
        var bptt = RecurrentTrainingTests.copyExperiment(method: .backprop)
        bptt.synthesizerRank = 4
        #expect(throws: InputError.self) { try bptt.validate() }
    }
}
