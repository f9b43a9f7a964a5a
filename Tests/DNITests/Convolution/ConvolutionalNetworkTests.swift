import DNI
import Linalg
import Testing

/// The paper's CNN and its convolutional synthesizer, built from their configurations.
@Suite struct ConvolutionalNetworkTests {
    @Test func paperShapesOnMNIST() {
        let configuration = ConvolutionalNetworkConfiguration()
        #expect(configuration.stageCount == 4)
        #expect((0..<3).map { configuration.outputShape(ofStage: $0) } == [
            SpatialShape(height: 14, width: 14, channels: 64), SpatialShape(height: 7, width: 7, channels: 64),
            SpatialShape(height: 4, width: 4, channels: 64),
        ])
        var generator = SeededGenerator(seed: 1)
        let bodies = configuration.stageBodies(generator: &generator)
        #expect(bodies.map(\.inputSize) == [784, 14 * 14 * 64, 7 * 7 * 64, 4 * 4 * 64])
        #expect(bodies.map(\.outputSize) == [14 * 14 * 64, 7 * 7 * 64, 4 * 4 * 64, 10])
        // 5·5·1·64 + 2·64, then 5·5·64·64 + 2·64 twice, then 1024·10 + 10.
        #expect(bodies.map(\.parameterCount) == [1_728, 102_528, 102_528, 10_250])
    }

    @Test func cifarShapes() {
        let configuration = ConvolutionalNetworkConfiguration(input: SpatialShape(height: 32, width: 32, channels: 3))
        #expect(configuration.inputShape(ofStage: 3) == SpatialShape(height: 4, width: 4, channels: 64))
    }

    /// The output convolution starts at zero, so a fresh synthesizer predicts ĝ = 0, with the
    /// activation's shape, conditioned or not.
    @Test(arguments: [0, 10])
    func synthesizerStartsAtZero(_ conditionSize: Int) {
        let shape = SpatialShape(height: 7, width: 7, channels: 8)
        var generator = SeededGenerator(seed: 2)
        let synthesizer = ConvolutionalSynthesizerNetwork(
            activationShape: shape, conditionSize: conditionSize,
            configuration: ConvolutionalSynthesizerConfiguration(filters: 6), generator: &generator)
        #expect(synthesizer.layers.layers.count == (conditionSize > 0 ? 6 : 5))
        let activation = Matrix.randomNormal(rows: 3, columns: shape.size, standardDeviation: 1, using: &generator)
        let labels = conditionSize > 0 ? oneHotMatrix(labels: [1, 4, 9], classCount: 10) : nil
        let prediction = synthesizer.predict(activation: activation, condition: labels, mode: .training)
        #expect(prediction.rows == 3 && prediction.columns == shape.size)
        #expect(prediction.storage.allSatisfy { $0 == 0 })
    }

    /// A synthesizer replica shares the parameters and has its own condition layer.
    @Test func synthesizerReplicaSharesParameters() {
        var generator = SeededGenerator(seed: 3)
        let synthesizer = ConvolutionalSynthesizerNetwork(
            activationShape: SpatialShape(height: 4, width: 4, channels: 3), conditionSize: 10,
            configuration: ConvolutionalSynthesizerConfiguration(hiddenLayers: 1, filters: 4, zeroInitialization: false),
            generator: &generator)
        let replica = synthesizer.makeReplica()
        #expect(zip(replica.parameters, synthesizer.parameters).allSatisfy { $0 === $1 })
        #expect(replica.conditionChannels != nil && replica.conditionChannels !== synthesizer.conditionChannels)
        let activation = Matrix.randomNormal(rows: 2, columns: 48, standardDeviation: 1, using: &generator)
        let labels = oneHotMatrix(labels: [2, 7], classCount: 10)
        #expect(replica.predict(activation: activation, condition: labels, mode: .probe)
                == synthesizer.predict(activation: activation, condition: labels, mode: .probe))
    }

    /// The whole conditioned stack (label channels → conv → batch norm + ReLU → conv) against
    /// finite differences, with a random output layer so that every gradient is non-trivial.
    @Test func conditionedSynthesizerGradient() {
        let shape = SpatialShape(height: 3, width: 3, channels: 2)
        var generator = SeededGenerator(seed: 4)
        let synthesizer = ConvolutionalSynthesizerNetwork(
            activationShape: shape, conditionSize: 3,
            configuration: ConvolutionalSynthesizerConfiguration(hiddenLayers: 1, filters: 3,
                                                                 window: SlidingWindow(size: 3, padding: 1),
                                                                 zeroInitialization: false),
            generator: &generator)
        synthesizer.conditionChannels!.condition = oneHotMatrix(labels: [0, 2, 1], classCount: 3)
        let report = GradientCheck.check(synthesizer.layers, batch: 3)
        #expect(report.maxInputError < 5e-3)
        #expect(report.maxParameterError < 5e-3)
    }

    /// Plain backprop through the 3-stage CNN (8 filters and batches of 16, to keep the debug build fast) on the
    /// bundled MNIST subset: the loss of the last steps is well below that of the first ones.
    @Test func cnnLearnsMNISTWithBackprop() throws {
        let mnist = try MNISTDataset.bundledSubset()
        let configuration = ConvolutionalNetworkConfiguration(filters: 8)
        var generator = SeededGenerator(seed: 5)
        let stages = configuration.stageBodies(generator: &generator).map {
            Stage(body: $0, optimizer: Adam(learningRate: 3e-3))
        }
        let network = Network(stages: stages, loss: SoftmaxCrossEntropy(), method: .backprop)
        let batchSize = 16, steps = 40
        var input = Matrix.empty, target = Matrix.empty
        let targets = mnist.training.oneHotLabels()
        var losses: [Double] = []
        for step in 0..<steps {
            let rows = (step * batchSize)..<((step + 1) * batchSize)
            input.gatherRows(rows, of: mnist.training.images)
            target.gatherRows(rows, of: targets)
            losses.append(network.trainStep(input: input, target: target).loss)
        }
        let first = losses.prefix(5).reduce(0, +) / 5, last = losses.suffix(5).reduce(0, +) / 5
        #expect(first > 1.5, "starts near ln 10 ≈ 2.3: \(losses)")
        #expect(last < 0.6 * first, "\(losses)")
    }
}
