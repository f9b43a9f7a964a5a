import DNI
import Linalg
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A measurement, not a check: off unless `DNI_SYNTHESIZER_CHAIN_REPORT` names a file. Trains
/// the MNIST CNN by cDNI on the bundled subset and, every few steps, on the next batch (probe
/// mode), writes per stage i: the true gradient g (backprop), the synthesizer's prediction ĝ
/// (batch statistics; and ĝ_I in inference mode, as the probes use), the bootstrapped target t
/// (the stage above's backward of its own ĝ; the true gradient below the classifier), their
/// norms per example and the cosines cos(ĝ, g), cos(ĝ_I, g), cos(ĝ, t), cos(t, g), cos(ĝ, ĝ_I).
/// With `DNI_CHAIN_SHADOW=i`, a second synthesizer of stage i's shape learns from the *true*
/// gradient on every step, and its cosine with it (before it learns each batch) is averaged.
/// Beside the training loss it writes how far each stage's first parameter (its convolution;
/// the classifier's weights) has moved from its initial value, relative to it.
///
/// The measurements of docs/convolution.md ("Why the lower synthesizers did not learn") came
/// from it, built in release (`-Xswiftc -enable-testing`, since other suites need it):
///
///     DNI_SYNTHESIZER_CHAIN_REPORT=/tmp/chain.txt [DNI_CHAIN_RAW=1] [DNI_CHAIN_SYNTHESIZER_RATE=1e-4] \
///       swift test -c release -Xswiftc -enable-testing --disable-xctest --filter SynthesizerChainDiagnostics
///
/// Settings (environment): DNI_CHAIN_STEPS (120), DNI_CHAIN_EVERY (20), DNI_CHAIN_BATCH (64),
/// DNI_CHAIN_SYNTHESIZER_RATE (10⁻³), DNI_CHAIN_RAW (set: synthesizers without target
/// normalization), DNI_CHAIN_SYNTHESIZER_BATCH_NORM (1), DNI_CHAIN_SHADOW (stage index, off),
/// DNI_CHAIN_SHADOW_RAW (set: the shadow without normalization). Seed 1, preset otherwise.
@Suite(.enabled(if: getenv("DNI_SYNTHESIZER_CHAIN_REPORT") != nil))
struct SynthesizerChainDiagnostics {
    static func setting(_ name: String, _ fallback: Double) -> Double {
        guard let raw = getenv(name) else { return fallback }
        return Double(String(cString: raw)) ?? fallback
    }

    static func cosine(_ a: Matrix, _ b: Matrix) -> Double {
        let normA = a.norm(), normB = b.norm()
        return normA > 0 && normB > 0 ? a.dot(b) / (normA * normB) : 0
    }

    @Test func reportTheChain() throws {
        var experiment = MNISTExperiment(method: .cdni, network: .cnn)
        experiment.synthesizer.learningRate = Float(Self.setting("DNI_CHAIN_SYNTHESIZER_RATE", 1e-3))
        experiment.synthesizer.batchNormalization = Self.setting("DNI_CHAIN_SYNTHESIZER_BATCH_NORM", 1) != 0
        var configuration = experiment.networkConfiguration
        var architecture = try #require(configuration.architecture.base as? ConvolutionalArchitecture)
        architecture.synthesizer.normalizesTargets = getenv("DNI_CHAIN_RAW") == nil
        configuration.architecture = .convolutional(architecture.network, synthesizer: architecture.synthesizer)
        let batch = Int(Self.setting("DNI_CHAIN_BATCH", 64)), steps = Int(Self.setting("DNI_CHAIN_STEPS", 120))
        let every = Int(Self.setting("DNI_CHAIN_EVERY", 20))
        let mnist = try MNISTDataset.bundledSubset()
        let network = Network(configuration: configuration, loss: SoftmaxCrossEntropy(), engine: .builtin(threads: 1))
        let labels = mnist.training.oneHotLabels()
        let count = mnist.training.images.rows
        let shadowIndex = Int(Self.setting("DNI_CHAIN_SHADOW", -1))
        var generator = SeededGenerator(seed: 5)
        var shadowConfiguration = architecture.synthesizer
        shadowConfiguration.normalizesTargets = getenv("DNI_CHAIN_SHADOW_RAW") == nil
        let shadow: ConvolutionalSynthesizer? = shadowIndex < 0 ? nil : ConvolutionalSynthesizer(
            activationShape: architecture.network.outputShape(ofStage: shadowIndex), conditionSize: 10,
            configuration: shadowConfiguration, optimizer: Adam(learningRate: experiment.synthesizer.learningRate),
            generator: &generator, engine: .builtin(threads: 1))
        var shadowCosines: [Double] = []
        let initialWeights = network.stages.map { $0.parameters.map(\.value) }
        var report = "", measured: [Double] = []
        var input = Matrix.empty, target = Matrix.empty
        for step in 0...steps {
            let start = (step * batch) % (count - batch)
            input.gatherRows(start..<(start + batch), of: mnist.training.images)
            target.gatherRows(start..<(start + batch), of: labels)
            if step % every == 0 {
                let (text, values) = Self.measure(network, input: input, target: target, step: step)
                report += text
                measured += values
            }
            if let shadow {
                let (outputs, truth) = Self.truth(network, input: input, target: target)
                let predicted = try shadow.predict(batch: step, activation: outputs[shadowIndex], condition: target)
                shadowCosines.append(Self.cosine(predicted, truth[shadowIndex]))
                try shadow.learn(batch: step, target: truth[shadowIndex])
                if step % every == 0 && step > 0 {
                    report += "shadow of stage \(shadowIndex + 1), step \(step): mean cos(ĝ, g) over the last \(every) batches "
                        + "\(shadowCosines.suffix(every).reduce(0, +) / Double(every))\n"
                }
            }
            if step == steps { break }
            let result = network.trainStep(input: input, target: target)
            if step % every == 0 {
                report += "step \(step) loss \(result.loss) L_M per stage \(network.stages.dropLast().map { $0.log.synthesizerLoss[0] })\n"
                report += "step \(step) weight drift ‖W − W₀‖/‖W₀‖ per stage, first parameter (the convolution) "
                    + "\(zip(network.stages, initialWeights).map { stage, initial in Self.drift(stage.parameters[0].value, initial[0]) })\n"
            }
        }
        let path = String(cString: getenv("DNI_SYNTHESIZER_CHAIN_REPORT")!)
        let file = try #require(fopen(path, "w"))
        fputs(report, file)
        fclose(file)
        #expect(measured.allSatisfy { $0.isFinite })
    }

    /// ‖current − initial‖ / ‖initial‖.
    static func drift(_ current: Matrix, _ initial: Matrix) -> Double {
        var difference = Matrix.empty
        current.zip(initial, into: &difference) { $0 - $1 }
        return difference.norm() / max(initial.norm(), 1e-30)
    }

    /// Every stage's output (probe mode) and the true gradient with respect to it.
    static func truth(_ network: Network, input: Matrix, target: Matrix) -> (outputs: [Matrix], gradients: [Matrix]) {
        var outputs: [Matrix] = []
        var activation = input
        for stage in network.stages {
            activation = stage.forward(activation, mode: .probe)
            outputs.append(activation)
        }
        var gradient = Matrix.empty
        _ = network.loss.evaluate(prediction: activation, target: target, gradient: &gradient)
        var gradients = Array(repeating: Matrix.empty, count: network.stages.count)
        for index in network.stages.indices.reversed() where index > 0 {
            gradient = network.stages[index].backward(gradient, needsInputGradient: true)
            gradients[index - 1] = gradient
        }
        return (outputs, gradients)
    }

    static func measure(_ network: Network, input: Matrix, target: Matrix, step: Int) -> (String, [Double]) {
        let stages = network.stages
        let (outputs, truth) = Self.truth(network, input: input, target: target)
        var synthetic: [Matrix] = [], inspected: [Matrix] = []
        for index in 0..<(stages.count - 1) {
            let synthesizer = stages[index].synthesizer as! ConvolutionalSynthesizer
            var prediction = synthesizer.network.makeReplica().predict(activation: outputs[index], condition: target, mode: .probe)
            prediction.scale(by: synthesizer.targetScale?.value ?? 1)
            synthetic.append(prediction)
            inspected.append(synthesizer.inspect(activation: outputs[index], condition: target))
        }
        var text = "", values: [Double] = []
        let perExample = Double(input.rows).squareRoot()
        for index in 0..<(stages.count - 1) {
            var bootstrapped = truth[index]
            if index < stages.count - 2 {
                var activation = input   // a fresh forward pass for the backward below
                for stage in stages { activation = stage.forward(activation, mode: .probe) }
                bootstrapped = stages[index + 1].backward(synthetic[index + 1], needsInputGradient: true)
            }
            let row = [truth[index].norm() / perExample, bootstrapped.norm() / perExample, synthetic[index].norm() / perExample,
                       inspected[index].norm() / perExample, cosine(synthetic[index], truth[index]),
                       cosine(inspected[index], truth[index]), cosine(synthetic[index], bootstrapped),
                       cosine(bootstrapped, truth[index]), cosine(synthetic[index], inspected[index])]
            values += row
            text += "step \(step) stage \(index + 1) " + zip(["|g|", "|t|", "|ĝ|", "|ĝ_I|", "cos(ĝ,g)", "cos(ĝ_I,g)", "cos(ĝ,t)", "cos(t,g)", "cos(ĝ,ĝ_I)"], row)
                .map { "\($0) \(String(format: "%.4g", $1))" }.joined(separator: " ") + "\n"
        }
        return (text, values)
    }
}
