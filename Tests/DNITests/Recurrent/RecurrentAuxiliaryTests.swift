import DNI
import Linalg
import Testing

/// DNI + Aux (``FutureSyntheticGradientPredictor``): the oracle that weight 0 is plain DNI, and
/// the window's gradient with the auxiliary term against finite differences.
@Suite struct RecurrentAuxiliaryTests {
    static func experiment(auxiliary: Bool, weight: Float = 1) -> RecurrentExperiment {
        var experiment = RecurrentTrainingTests.copyExperiment(method: .dni)
        // A synthesizer that learns fast and is injected unscaled, so that ĝ (the auxiliary
        // target) is far from zero within a few windows.
        experiment.synthesizerLearningRate = 1e-2
        experiment.syntheticGradientScale = 1
        experiment.auxiliary = auxiliary
        experiment.auxiliaryWeight = weight
        return experiment
    }

    /// With β = 0 the auxiliary head still learns, but the core, the readout and the synthesizer
    /// train exactly as plain DNI: the same losses and parameters, bit for bit. With β = 1 the
    /// core moves differently (the oracle is not vacuous).
    @Test func zeroWeightIsPlainDNI() throws {
        let plain = try RecurrentTrainingTests.train(Self.experiment(auxiliary: false), windows: 15)
        let zero = try RecurrentTrainingTests.train(Self.experiment(auxiliary: true, weight: 0), windows: 15)
        #expect(plain.losses == zero.losses)
        #expect(plain.parameters == zero.parameters)
        let weighted = try RecurrentTrainingTests.train(Self.experiment(auxiliary: true, weight: 1), windows: 15)
        #expect(weighted.parameters != plain.parameters)
    }

    /// The auxiliary head learns: after training on a stream, it predicts ĝ_T from the window's
    /// states better than its zero start did.
    @Test func auxiliaryHeadLearns() throws {
        let experiment = Self.experiment(auxiliary: true, weight: 1)
        let task = try experiment.task.makeTask(batchSize: experiment.batchSize, truncation: experiment.truncation, seed: 9)
        let network = experiment.makeNetwork(for: task, engine: GEMMEngine(kernel: ReferenceGEMM()))
        let auxiliary = try #require(network.auxiliary)
        var early: [Double] = [], late: [Double] = []
        for window in 1...300 {
            let loss = network.trainWindow(on: task).auxiliaryLoss
            if (20..<40).contains(window) { early.append(loss) }
            if window > 280 { late.append(loss) }
        }
        #expect(auxiliary.weight.value.norm() > 0)
        let earlyMean = early.reduce(0, +) / Double(early.count), lateMean = late.reduce(0, +) / Double(late.count)
        #expect(earlyMean > 0)
        #expect(lateMean < earlyMean, "auxiliary loss \(earlyMean) at windows 20–39, \(lateMean) at 281–300")
    }

    /// One window's core gradient against central differences of the window objective
    ///   J(θ) = Σ_{t,n} ℓ_{t,n} + λ·Σ_n ⟨ĝ_n, s_{T,n}⟩ + β·Σ_{t=1}^{T−1} Σ_n ½‖A(s_{t,n}) − ĝ_n‖²,
    /// ĝ = M(s_T) held constant, along a random direction of the core's parameters; the cell
    /// writes (1/(T·B))·∂J/∂θ. The auxiliary term changes J by far more than the tolerance, so a
    /// missing or wrong auxiliary gradient fails. Tolerance as in LSTMGradientTests.
    @Test func windowGradientWithAuxiliaryMatchesFiniteDifferences() throws {
        var experiment = Self.experiment(auxiliary: true, weight: 0.7)
        experiment.hiddenSize = 5
        experiment.batchSize = 3
        experiment.syntheticGradientScale = 0.5
        // No parameter moves during the checked window: the gradients stay at θ.
        experiment.learningRate = 0
        experiment.synthesizerLearningRate = 0
        let task = try experiment.task.makeTask(batchSize: 3, truncation: 3, seed: 4)
        let network = experiment.makeNetwork(for: task, engine: GEMMEngine(kernel: ReferenceGEMM()))
        let synthesizer = try #require(network.synthesizer), auxiliary = try #require(network.auxiliary)
        var generator = SeededGenerator(seed: 31)
        let stateSize = network.cell.stateSize
        synthesizer.layers[0].weight.value = .randomNormal(rows: stateSize, columns: stateSize, standardDeviation: 0.5, using: &generator)
        auxiliary.weight.value = .randomNormal(rows: stateSize, columns: stateSize, standardDeviation: 0.5, using: &generator)
        auxiliary.bias.value = .randomNormal(rows: 1, columns: stateSize, standardDeviation: 0.5, using: &generator)
        for _ in 0..<4 { network.trainWindow(on: task) }  // a non-zero carried state

        let steps = 3, batch = 3, lambda = Double(network.syntheticGradientScale), beta = Double(auxiliary.lossWeight)
        let start = network.state, replay = task.copy()
        network.trainWindow(on: task)
        var target = Matrix.empty
        synthesizer.predict(network.state, into: &target)  // ĝ = M(s_T) at θ

        /// The parts of J at the current parameters: (task + injection, auxiliary).
        func objective() -> (Double, Double) {
            let stream = replay.copy()
            var inputs = Matrix.empty, state = start, scratch = Matrix.empty
            stream.nextWindow(inputs: &inputs, steps: steps)
            var logits = Matrix(rows: steps * batch, columns: stream.outputSize)
            var auxiliaryTerm = 0.0
            for t in 0..<steps {
                var block = Matrix.empty
                block.gatherRows((t * batch)..<((t + 1) * batch), of: inputs)
                let stepLogits = network.predictWindow(inputs: block, steps: 1, state: &state, scratch: &scratch)
                for n in 0..<batch { for c in 0..<logits.columns { logits[t * batch + n, c] = stepLogits[n, c] } }
                if t + 1 < steps {  // state is s_{t+1}
                    for n in 0..<batch {
                        for j in 0..<stateSize {
                            var prediction = Double(auxiliary.bias.value[0, j])
                            for k in 0..<stateSize { prediction += Double(state[n, k]) * Double(auxiliary.weight.value[k, j]) }
                            let difference = prediction - Double(target[n, j])
                            auxiliaryTerm += 0.5 * beta * difference * difference
                        }
                    }
                }
            }
            var gradient = Matrix.empty
            let taskTerm = stream.loss(logits: logits, gradient: &gradient) * Double(steps * batch)
            return (taskTerm + lambda * state.dot(target), auxiliaryTerm)
        }

        let parameters = network.cell.parameters
        let directions = parameters.map {
            Matrix.randomNormal(rows: $0.value.rows, columns: $0.value.columns, standardDeviation: 1, using: &generator)
        }
        let analytic = zip(parameters, directions).reduce(0.0) { $0 + $1.0.gradient.dot($1.1) } * Double(steps * batch)
        let base = parameters.map(\.value)
        let epsilon: Float = 1e-2
        func shifted(by sign: Float) -> (Double, Double) {
            for (index, parameter) in parameters.enumerated() {
                parameter.value = base[index]
                parameter.value.add(directions[index], scaledBy: sign * epsilon)
            }
            return objective()
        }
        let plus = shifted(by: 1), minus = shifted(by: -1)
        for (index, parameter) in parameters.enumerated() { parameter.value = base[index] }
        let numeric = (plus.0 + plus.1 - minus.0 - minus.1) / Double(2 * epsilon)
        let auxiliaryPart = (plus.1 - minus.1) / Double(2 * epsilon)
        let tolerance = 2e-3 * max(1, abs(numeric))
        #expect(abs(numeric - analytic) <= tolerance, "numeric \(numeric), analytic \(analytic)")
        #expect(abs(auxiliaryPart) > 20 * tolerance, "the auxiliary term's share \(auxiliaryPart) is too small to test")
    }
}
