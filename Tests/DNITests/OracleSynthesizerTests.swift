import DNI
import Linalg
import Testing

/// A synthesizer that returns a gradient it was handed: the true one, computed beforehand.
final class OracleSynthesizer: Synthesizer {
    let activationSize: Int
    var conditionSize: Int { 0 }
    var parameters: [Parameter] { [] }
    var capacity: Int { 1 }
    var heldBatches: [Int] { held.map { [$0] } ?? [] }
    var answer = Matrix.empty
    private var held: Int?
    private(set) var targets: [Matrix] = []

    init(activationSize: Int) { self.activationSize = activationSize }

    func reserveCapacity(_ count: Int) {}

    func predict(batch: Int, activation: Matrix, condition: Matrix?) throws -> Matrix {
        held = batch
        return answer
    }

    func inspect(activation: Matrix, condition: Matrix?) -> Matrix { answer }

    func learn(batch: Int, target: Matrix) throws -> Double {
        #expect(batch == held, "learned batch \(batch) while holding \(String(describing: held))")
        held = nil
        var copy = Matrix.empty
        copy.assign(target)
        targets.append(copy)
        return 0
    }

    /// The oracle has no state worth keeping: its answers are handed to it.
    func saveState(into tree: inout StateTree, path: String) {}
    func loadState(from tree: StateTree, path: String) throws(InputError) {}
}

/// The exact-reference test: with synthesizers that return the true gradient, one DNI step must
/// change every weight exactly as one backprop step does (same kernels, same order of operations).
@Suite struct OracleSynthesizerTests {
    static func configuration(method: TrainingMethod) -> NetworkConfiguration {
        NetworkConfiguration(inputSize: 6, hiddenSizes: [7, 5, 4], outputSize: 3,
                             hiddenActivation: .tanh, outputActivation: .sigmoid,
                             method: method, optimizer: .sgd, learningRate: 0.7, seed: 21)
    }

    /// ∂ℓ/∂hᵢ at every stage output, by a probe-mode forward and backward pass.
    static func trueGradients(_ network: Network, input: Matrix, target: Matrix) -> [Matrix] {
        var activation = input
        for stage in network.stages { activation = stage.forward(activation, mode: .probe) }
        var gradient = Matrix.empty
        _ = network.loss.evaluate(prediction: activation, target: target, gradient: &gradient)
        var result: [Matrix] = Array(repeating: .empty, count: network.stages.count)
        for index in network.stages.indices.reversed() {
            var copy = Matrix.empty
            copy.assign(gradient)
            result[index] = copy
            gradient = network.stages[index].backward(gradient, needsInputGradient: true)
        }
        return result
    }

    @Test func dniWithOracleEqualsBackpropExactly() {
        var generator = SeededGenerator(seed: 5)
        let input = Matrix.randomNormal(rows: 8, columns: 6, standardDeviation: 1, using: &generator)
        let target = Matrix.randomUniform(rows: 8, columns: 3, lower: 0, upper: 1, using: &generator)

        let backprop = Network(configuration: Self.configuration(method: .backprop), loss: MeanSquaredError())
        let reference = Network(configuration: Self.configuration(method: .backprop), loss: MeanSquaredError())
        let template = Network(configuration: Self.configuration(method: .backprop), loss: MeanSquaredError())
        let truth = Self.trueGradients(reference, input: input, target: target)

        let oracles = template.stages.dropLast().map { OracleSynthesizer(activationSize: $0.outputSize) }
        for (index, oracle) in oracles.enumerated() { oracle.answer = truth[index] }
        let stages = template.stages.enumerated().map { index, stage in
            Stage(body: stage.body, optimizer: SGD(learningRate: 0.7),
                  synthesizer: index < oracles.count ? oracles[index] : nil)
        }
        let dni = Network(stages: stages, loss: MeanSquaredError(), method: .dni)

        let before = backprop.allParameters.map(\.value)
        backprop.trainStep(input: input, target: target)
        dni.trainStep(input: input, target: target)

        let afterBackprop = backprop.stages.flatMap(\.parameters).map(\.value)
        let afterDNI = dni.stages.flatMap(\.parameters).map(\.value)
        #expect(afterBackprop.count == afterDNI.count)
        for (index, (b, d)) in zip(afterBackprop, afterDNI).enumerated() {
            #expect(b == d, "parameter \(index) differs: max |Δ| = \(zip(b.storage, d.storage).map { abs($0 - $1) }.max() ?? 0)")
            #expect(b != before[index], "parameter \(index) did not move")
        }
        // The bootstrapped targets each oracle received are the true gradients too. Under delay 1
        // a synthesizer learns from batch b's target just before it predicts for batch b + 1, so
        // they are delivered on the next step.
        for oracle in oracles { #expect(oracle.targets.isEmpty) }
        dni.trainStep(input: input, target: target)
        for (index, oracle) in oracles.enumerated() {
            #expect(oracle.targets.count == 1)
            #expect(oracle.targets.first == truth[index], "stage \(index + 1) target")
        }
    }
}
