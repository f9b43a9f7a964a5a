import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A character-level language model (Jaderberg et al. 2016, §3.1, Penn Treebank): at every step
/// the input is the one-hot current character and the target the next one; the loss is the
/// cross-entropy, reported in bits per character (bpc).
///
/// The training part is cut into B contiguous segments, one stream per batch row, each read in
/// order and wrapped around at its end. Every `evaluateEvery` windows the validation bpc is
/// measured (forward only, from a zero state, over B contiguous segments); the parameters with
/// the best validation bpc are kept, and training stops after `patience` evaluations without
/// improvement. At the end the best parameters are restored and the test bpc is measured.
public final class TextTask: RecurrentTask {
    public let name = "text"
    public let inputSize: Int
    public let outputSize: Int
    public let batchSize: Int
    /// The text and its split.
    public let corpus: TextCorpus
    /// Windows between validation measurements.
    public let evaluateEvery: Int
    /// Evaluations without improvement before stopping.
    public let patience: Int
    /// Steps per evaluation window.
    public let truncation: Int
    /// The best validation bpc so far (infinity before the first evaluation).
    public private(set) var bestValidationBitsPerCharacter = Double.infinity
    /// Validation bpc measured so far, in order.
    public private(set) var validationHistory: [Double] = []
    private var positions: [Int]
    private let segmentLength: Int
    private var targets: [Int32] = []
    private var bestParameters: [Matrix] = []
    private var evaluationsWithoutImprovement = 0

    /// A task over `corpus` with `batchSize` streams.
    public init(corpus: TextCorpus, batchSize: Int, truncation: Int, evaluateEvery: Int = 200, patience: Int = 5) {
        precondition(corpus.train.count >= batchSize * 2, "the training text needs at least two characters per stream")
        self.corpus = corpus
        self.inputSize = corpus.vocabulary.count
        self.outputSize = corpus.vocabulary.count
        self.batchSize = batchSize
        self.truncation = truncation
        self.evaluateEvery = evaluateEvery
        self.patience = patience
        self.segmentLength = corpus.train.count / batchSize
        self.positions = Array(repeating: 0, count: batchSize)
    }

    private init(copying other: TextTask) {
        inputSize = other.inputSize; outputSize = other.outputSize; batchSize = other.batchSize
        corpus = other.corpus; evaluateEvery = other.evaluateEvery; patience = other.patience
        truncation = other.truncation; positions = other.positions; segmentLength = other.segmentLength
        targets = other.targets; bestValidationBitsPerCharacter = other.bestValidationBitsPerCharacter
    }

    public func copy() -> any RecurrentTask { TextTask(copying: self) }

    public func nextWindow(inputs: inout Matrix, steps: Int) {
        let batch = batchSize
        inputs.resize(rows: steps * batch, columns: inputSize)
        inputs.fill(0)
        targets.removeAll(keepingCapacity: true)
        for t in 0..<steps {
            for n in 0..<batch {
                // A segment of length L yields L − 1 (input, next character) pairs.
                if positions[n] + 1 >= segmentLength { positions[n] = 0 }
                let offset = n * segmentLength + positions[n]
                inputs[t * batch + n, Int(corpus.train[offset])] = 1
                targets.append(corpus.train[offset + 1])
                positions[n] += 1
            }
        }
    }

    public func loss(logits: Matrix, gradient: inout Matrix) -> Double {
        TextTask.crossEntropy(logits: logits, targets: targets, gradient: &gradient).loss / Double(max(1, logits.rows))
    }

    /// Σ of the rows' cross-entropy (nats) and the number of arg-max hits.
    static func crossEntropy(logits: Matrix, targets: [Int32], gradient: inout Matrix) -> (loss: Double, correct: Int) {
        precondition(logits.rows == targets.count, "TextTask: logits do not match the window")
        let columns = logits.columns
        gradient.resize(rows: logits.rows, columns: columns)
        var total = 0.0, correct = 0
        logits.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<logits.rows {
                    let result = SequenceCrossEntropy.row(logits: z.baseAddress! + row * columns, columns: columns,
                                                          target: Int(targets[row]), gradient: g.baseAddress! + row * columns)
                    total += result.loss
                    if result.correct { correct += 1 }
                }
            }
        }
        return (total, correct)
    }

    /// Bits per character and accuracy of `network` on `text`, forward only: B contiguous
    /// segments read from a zero state in windows of ``truncation`` steps.
    public func evaluate(network: RecurrentNetwork, text: [Int32]) -> (bitsPerCharacter: Double, accuracy: Double) {
        let streams = max(1, min(batchSize, (text.count - 1) / 2))
        let length = text.count / streams
        let pairs = length - 1
        guard pairs >= 1 else { return (.nan, 0) }
        var state = Matrix(rows: streams, columns: network.cell.stateSize)
        var scratch = Matrix.empty, inputs = Matrix.empty, gradient = Matrix.empty
        var windowTargets: [Int32] = []
        var total = 0.0, correct = 0, count = 0
        var start = 0
        while start < pairs {
            let steps = min(truncation, pairs - start)
            inputs.resize(rows: steps * streams, columns: inputSize)
            inputs.fill(0)
            windowTargets.removeAll(keepingCapacity: true)
            for t in 0..<steps {
                for n in 0..<streams {
                    let offset = n * length + start + t
                    inputs[t * streams + n, Int(text[offset])] = 1
                    windowTargets.append(text[offset + 1])
                }
            }
            let logits = network.predictWindow(inputs: inputs, steps: steps, state: &state, scratch: &scratch)
            let result = TextTask.crossEntropy(logits: logits, targets: windowTargets, gradient: &gradient)
            total += result.loss; correct += result.correct; count += windowTargets.count
            start += steps
        }
        return (total / Double(count) / log(2.0), Double(correct) / Double(count))
    }

    public func afterWindow(_ window: Int, network: RecurrentNetwork) throws -> Bool {
        guard window % evaluateEvery == 0 else { return false }
        let bits = evaluate(network: network, text: corpus.validation).bitsPerCharacter
        validationHistory.append(bits)
        if bits < bestValidationBitsPerCharacter {
            bestValidationBitsPerCharacter = bits
            evaluationsWithoutImprovement = 0
            if bestParameters.count != network.trainableParameters.count {
                bestParameters = network.trainableParameters.map { Matrix(rows: $0.value.rows, columns: $0.value.columns) }
            }
            for (saved, parameter) in zip(bestParameters.indices, network.trainableParameters) {
                bestParameters[saved].assign(parameter.value)
            }
            return false
        }
        evaluationsWithoutImprovement += 1
        return evaluationsWithoutImprovement >= patience
    }

    public var progressDescription: String {
        guard let last = validationHistory.last else { return "validation not yet measured" }
        return "validation \((last * 1000).rounded() / 1000) bpc (best \((bestValidationBitsPerCharacter * 1000).rounded() / 1000))"
    }

    public func finish(network: RecurrentNetwork) throws -> (fields: [String: Double], test: Evaluation) {
        if validationHistory.isEmpty || evaluationsWithoutImprovement > 0 {
            // Measure the final parameters too, so the best of them all is restored.
            let bits = evaluate(network: network, text: corpus.validation).bitsPerCharacter
            validationHistory.append(bits)
            if bits < bestValidationBitsPerCharacter || bestParameters.isEmpty {
                bestValidationBitsPerCharacter = bits
                bestParameters = network.trainableParameters.map(\.value)
            }
        }
        guard bestParameters.count == network.trainableParameters.count,
              zip(bestParameters, network.trainableParameters).allSatisfy({ $0.shape == $1.value.shape }) else {
            throw InputError("the best parameters saved by early stopping do not fit this network (a damaged checkpoint?)")
        }
        for (saved, parameter) in zip(bestParameters, network.trainableParameters) { parameter.value.assign(saved) }
        let test = evaluate(network: network, text: corpus.test)
        let fields: [String: Double] = [
            "test_bpc": test.bitsPerCharacter,
            "validation_bpc": bestValidationBitsPerCharacter,
            "validations": Double(validationHistory.count),
            "vocabulary": Double(corpus.vocabulary.count),
        ]
        return (fields, Evaluation(loss: test.bitsPerCharacter * log(2.0), accuracy: test.accuracy, exactAccuracy: nil))
    }
}

/// The character-level language model on a text file (nil: the bundled text), for
/// ``RecurrentExperiment``.
public struct TextTaskConfiguration: RecurrentTaskConfiguration {
    /// The UTF-8 text file, or nil for the text that ships with the package.
    public var path: String?
    /// Windows between validation measurements.
    public var evaluateEvery = 200
    /// Evaluations without improvement before stopping early.
    public var patience = 5

    /// The task on the file at `path` (nil: the bundled text).
    public init(path: String? = nil) {
        self.path = path
    }

    public var name: String { "text" }

    /// True: at the text recipe's rate (Adam 10⁻³) the stale prediction ran away on 2 of 5 seeds
    /// (the synthesizer's loss 150–780× that of predicting zero, bpc stalled at 4.24 and 3.56),
    /// the recomputed one on none (docs/recurrent.md).
    public var recomputesSynthesizerPrediction: Bool { true }

    public func makeTask(batchSize: Int, truncation: Int, seed: UInt64) throws -> any RecurrentTask {
        // Every stream needs a window and one more character; each held-out part one window.
        let minimum = max(batchSize * (truncation + 1), truncation + 1)
        let corpus = try path.map { try TextCorpus.load(path: $0, minimumPart: minimum) }
            ?? TextCorpus.load(path: TextCorpus.bundledPath, minimumPart: minimum)
        return TextTask(corpus: corpus, batchSize: batchSize, truncation: truncation,
                        evaluateEvery: evaluateEvery, patience: patience)
    }
}

extension TextTask {
    public func saveState(into tree: inout StateTree, path: String) {
        tree.set("\(path).positions", integers: positions)
        tree.set("\(path).validation", doubles: [bestValidationBitsPerCharacter] + validationHistory)
        tree.set("\(path).evaluations_without_improvement", integer: evaluationsWithoutImprovement)
        tree.set("\(path).best_parameters", integer: bestParameters.count)
        for (index, parameters) in bestParameters.enumerated() { tree.set("\(path).best_parameters.\(index)", matrix: parameters) }
    }

    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        let saved = try tree.integers("\(path).positions")
        guard saved.count == batchSize, saved.allSatisfy({ (0..<segmentLength).contains($0) }) else {
            throw InputError("'\(path).positions' does not place \(batchSize) streams in this text")
        }
        positions = saved
        let validation = try tree.doubles("\(path).validation")
        guard let best = validation.first else { throw InputError("'\(path).validation' is empty") }
        bestValidationBitsPerCharacter = best
        validationHistory = Array(validation.dropFirst())
        evaluationsWithoutImprovement = try tree.integer("\(path).evaluations_without_improvement")
        let count = try tree.integer("\(path).best_parameters")
        var loaded: [Matrix] = []
        for index in 0..<max(0, count) { loaded.append(try tree.matrix("\(path).best_parameters.\(index)")) }
        bestParameters = loaded
    }
}
