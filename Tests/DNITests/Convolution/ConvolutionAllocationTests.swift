import CMallocCounter
import DNI
import Linalg
import Testing

/// Once warmed up, a forward and backward pass through the convolution layers allocates
/// nothing: every buffer (outputs, gradients, im2col patches, pooling winners) is owned by its
/// layer and reused. Counted with a per-thread malloc counter (Linux only), on a one-thread
/// GEMM engine so that every product runs on the counting thread.
@Suite(.enabled(if: dni_test_thread_allocation_count() >= 0, "malloc counting needs glibc"))
struct ConvolutionAllocationTests {
    /// Mallocs made by the calling thread while running `body`.
    static func allocations(_ body: () -> Void) -> Int {
        let before = dni_test_thread_allocation_count()
        body()
        return dni_test_thread_allocation_count() - before
    }

    /// The counter sees this thread's allocations (else a zero below would prove nothing).
    @Test func counterSeesAnAllocation() {
        let count = Self.allocations { _ = Matrix(rows: 3, columns: 3, repeating: 1) }
        #expect(count >= 1)
    }

    /// One warm training step of `layers`: forward, backward with input gradients.
    static func warmStepAllocations(_ layers: Sequential, batch: Int) -> Int {
        var generator = SeededGenerator(seed: 1)
        let input = Matrix.randomNormal(rows: batch, columns: layers.inputSize, standardDeviation: 1, using: &generator)
        let gradient = Matrix.randomNormal(rows: batch, columns: layers.outputSize, standardDeviation: 1, using: &generator)
        // The layers one by one with index loops: in a debug build, `for layer in array` over
        // existentials allocates an iterator box (unspecialised generic code), which would be
        // counted here although release builds of `Sequential` allocate nothing.
        let stack = layers.layers
        func step() {
            var activation = input
            for index in stack.indices { activation = stack[index].forward(activation, mode: .training) }
            var outputGradient = gradient
            var index = stack.count - 1
            while index >= 0 {
                outputGradient = stack[index].backward(outputGradient, needsInputGradient: true)
                index -= 1
            }
        }
        step()
        step()
        return allocations { step(); step() }
    }

    @Test func cnnStagesAllocateNothingWhenWarm() {
        let engine = GEMMEngine.builtin(threads: 1)
        var generator = SeededGenerator(seed: 2)
        // Small patch budget: several chunks per batch, so the re-gathering path runs too.
        let configuration = ConvolutionalNetworkConfiguration(filters: 8)
        let bodies = configuration.stageBodies(generator: &generator, engine: engine)
        let network = Sequential(bodies.flatMap(\.layers))
        #expect(Self.warmStepAllocations(network, batch: 4) == 0)
        let chunked = Sequential([
            Convolution2D(input: SpatialShape(height: 6, width: 6, channels: 3), filters: 4,
                          window: SlidingWindow(size: 3, padding: 1), activation: .relu, maximumPatchElements: 500,
                          generator: &generator, engine: engine),
            AveragePooling2D(input: SpatialShape(height: 6, width: 6, channels: 4), window: SlidingWindow(size: 2, stride: 2)),
        ])
        #expect(Self.warmStepAllocations(chunked, batch: 5) == 0)
    }

    @Test func conditionedSynthesizerAllocatesNothingWhenWarm() {
        var generator = SeededGenerator(seed: 3)
        let synthesizer = ConvolutionalSynthesizerNetwork(
            activationShape: SpatialShape(height: 7, width: 7, channels: 8), conditionSize: 10,
            configuration: ConvolutionalSynthesizerConfiguration(filters: 8), generator: &generator,
            engine: .builtin(threads: 1))
        synthesizer.conditionChannels!.condition = oneHotMatrix(labels: [0, 3, 5, 9], classCount: 10)
        #expect(Self.warmStepAllocations(synthesizer.layers, batch: 4) == 0)
    }
}
