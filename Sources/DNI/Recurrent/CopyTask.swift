import Linalg

/// Copy and Repeat Copy (Graves et al. 2014), the recurrent tasks of Jaderberg et al. 2016, §3.1,
/// as continuous streams of episodes (``EpisodeStreams``) with the length ``Curriculum``.
///
/// Symbols are one-hot over `symbols` (8) classes. An episode of length N:
/// - Copy: N random symbols, one delimiter, then N blank inputs during which the targets are the N
///   symbols in order. Input size symbols + 1, output classes = symbols.
/// - Repeat Copy: N random symbols, one delimiter carrying the repeat count R ∈ 1…`maxRepeats`
///   (one of `maxRepeats` delimiter codes), then N·R blank inputs whose targets are the symbols
///   repeated R times, then one blank input whose target is an end marker. Input size
///   symbols + maxRepeats, output classes symbols + 1.
/// Each stream's first episode is preceded by a random number of blank, unscored steps, so that
/// the streams are out of phase. Only the answer steps are scored. The error of an episode is its mean cross-entropy in bits per
/// scored step (log₂ 8 = 3 bits is chance for a symbol).
public final class CopyTask: RecurrentTask {
    public let name: String
    public let inputSize: Int
    public let outputSize: Int
    public let batchSize: Int
    /// Distinct symbols (8).
    public let symbols: Int
    /// Repeat Copy's largest repeat count; nil for Copy.
    public let maxRepeats: Int?
    /// The length schedule and the `max_length_solved` metric.
    public private(set) var curriculum: Curriculum
    private var streams: EpisodeStreams
    private var generator: SeededGenerator
    private var episodeBits: [Double]
    private var episodeScored: [Int]
    private var recentCorrect = 0, recentScored = 0

    /// Copy (`maxRepeats == nil`) or Repeat Copy over `batchSize` streams.
    public init(batchSize: Int, symbols: Int = 8, maxRepeats: Int? = nil, seed: UInt64,
                curriculum: Curriculum = Curriculum()) {
        precondition(batchSize >= 1 && symbols >= 2, "Copy needs a batch and at least two symbols")
        self.name = maxRepeats == nil ? "copy" : "repeat-copy"
        self.batchSize = batchSize
        self.symbols = symbols
        self.maxRepeats = maxRepeats
        self.inputSize = symbols + (maxRepeats ?? 1)
        self.outputSize = symbols + (maxRepeats == nil ? 0 : 1)
        self.curriculum = curriculum
        self.streams = EpisodeStreams(batchSize: batchSize)
        self.generator = SeededGenerator(seed: seed)
        self.episodeBits = Array(repeating: 0, count: batchSize)
        self.episodeScored = Array(repeating: 0, count: batchSize)
    }

    private init(copying other: CopyTask) {
        name = other.name; inputSize = other.inputSize; outputSize = other.outputSize
        batchSize = other.batchSize; symbols = other.symbols; maxRepeats = other.maxRepeats
        curriculum = other.curriculum; streams = other.streams; generator = other.generator
        episodeBits = other.episodeBits; episodeScored = other.episodeScored
        recentCorrect = other.recentCorrect; recentScored = other.recentScored
    }

    public func copy() -> any RecurrentTask { CopyTask(copying: self) }

    /// Appends one episode at the curriculum's length to `steps`; returns that length. A stream's
    /// first episode starts after 0…2N+1 blank, unscored steps (drawn at random), so that the
    /// streams are out of phase.
    private func makeEpisode(_ steps: inout [EpisodeStreams.Step], first: Bool) -> Int {
        let length = curriculum.length, symbols = self.symbols
        if first {
            for _ in 0..<generator.nextInt(below: 2 * length + 2) { steps.append(.init(input: -1, target: -1)) }
        }
        let start = steps.count
        for _ in 0..<length {
            steps.append(.init(input: Int32(generator.nextInt(below: symbols)), target: -1))
        }
        if let maxRepeats {
            let repeats = 1 + generator.nextInt(below: maxRepeats)
            steps.append(.init(input: Int32(symbols + repeats - 1), target: -1))
            for _ in 0..<repeats {
                for i in 0..<length { steps.append(.init(input: -1, target: steps[start + i].input)) }
            }
            steps.append(.init(input: -1, target: Int32(symbols)))
        } else {
            steps.append(.init(input: Int32(symbols), target: -1))
            for i in 0..<length { steps.append(.init(input: -1, target: steps[start + i].input)) }
        }
        return length
    }

    public func nextWindow(inputs: inout Matrix, steps: Int) {
        streams.nextWindow(inputs: &inputs, steps: steps, inputSize: inputSize, makeEpisode: makeEpisode)
    }

    public func loss(logits: Matrix, gradient: inout Matrix) -> Double {
        let columns = outputSize, batch = batchSize
        precondition(logits.columns == columns && logits.rows == streams.rows.count, "CopyTask.loss: logits do not match the window")
        gradient.resize(rows: logits.rows, columns: columns)
        var total = 0.0
        let log2e = 1.4426950408889634
        logits.withUnsafeBufferPointer { z in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<logits.rows {
                    let target = streams.rows[row]
                    let (loss, correct) = SequenceCrossEntropy.row(
                        logits: z.baseAddress! + row * columns, columns: columns, target: Int(target.target),
                        gradient: g.baseAddress! + row * columns)
                    total += loss
                    let n = row % batch
                    if target.target >= 0 {
                        episodeBits[n] += loss * log2e
                        episodeScored[n] += 1
                        recentScored += 1
                        if correct { recentCorrect += 1 }
                    }
                    if target.completesEpisodeOfLength > 0 {
                        let bits = episodeBits[n] / Double(max(1, episodeScored[n]))
                        if curriculum.record(bits: bits, episodeLength: Int(target.completesEpisodeOfLength)) {
                            recentCorrect = 0; recentScored = 0
                        }
                        episodeBits[n] = 0
                        episodeScored[n] = 0
                    }
                }
            }
        }
        return total / Double(max(1, logits.rows))
    }

    public func afterWindow(_ window: Int, network: RecurrentNetwork) throws -> Bool { false }

    public var progressDescription: String {
        let error = curriculum.recentError.map { " \(($0 * 100).rounded() / 100) bits" } ?? ""
        return "length \(curriculum.length)\(error), solved \(curriculum.maxLengthSolved)"
    }

    /// The curriculum: the length being trained and the largest length solved so far.
    public var progressFields: [String: Double] {
        ["curriculum_length": Double(curriculum.length), "max_length_solved": Double(curriculum.maxLengthSolved)]
    }

    public func finish(network: RecurrentNetwork) throws -> (fields: [String: Double], test: Evaluation) {
        let error = curriculum.recentError ?? .nan
        let fields: [String: Double] = [
            "max_length_solved": Double(curriculum.maxLengthSolved),
            "curriculum_length": Double(curriculum.length),
            "recent_bits_per_step": error,
        ]
        let accuracy = recentScored > 0 ? Double(recentCorrect) / Double(recentScored) : 0
        return (fields, Evaluation(loss: error, accuracy: accuracy, exactAccuracy: nil))
    }
}

/// Copy (`maxRepeats` nil) or Repeat Copy, for ``RecurrentExperiment``.
public struct CopyTaskConfiguration: RecurrentTaskConfiguration {
    /// Distinct symbols (8).
    public var symbols = 8
    /// Repeat Copy's largest repeat count; nil for Copy.
    public var maxRepeats: Int?
    /// Recent episodes the curriculum averages over.
    public var recentEpisodes = 100

    /// Copy, or Repeat Copy with repeat counts 1…`maxRepeats`.
    public init(maxRepeats: Int? = nil) {
        self.maxRepeats = maxRepeats
    }

    public var name: String { maxRepeats == nil ? "copy" : "repeat-copy" }

    public func makeTask(batchSize: Int, truncation: Int, seed: UInt64) throws -> any RecurrentTask {
        CopyTask(batchSize: batchSize, symbols: symbols, maxRepeats: maxRepeats, seed: seed,
                 curriculum: Curriculum(recentEpisodes: recentEpisodes))
    }
}

extension CopyTask {
    public func saveState(into tree: inout StateTree, path: String) {
        curriculum.saveState(into: &tree, path: "\(path).curriculum")
        streams.saveState(into: &tree, path: "\(path).streams")
        tree.set("\(path).generator", generator: generator)
        tree.set("\(path).episode_bits", doubles: episodeBits)
        tree.set("\(path).episode_scored", integers: episodeScored)
        tree.set("\(path).recent", integers: [recentCorrect, recentScored])
    }

    public func loadState(from tree: StateTree, path: String) throws(InputError) {
        try curriculum.loadState(from: tree, path: "\(path).curriculum")
        try streams.loadState(from: tree, path: "\(path).streams")
        let inputs = inputSize, outputs = outputSize
        for stream in streams.streams {
            guard stream.steps.allSatisfy({ $0.input < inputs && $0.target < outputs }) else {
                throw InputError("'\(path).streams' holds symbols this task does not have")
            }
        }
        generator = try tree.generator("\(path).generator")
        let bits = try tree.doubles("\(path).episode_bits"), scored = try tree.integers("\(path).episode_scored")
        let recent = try tree.integers("\(path).recent")
        guard bits.count == batchSize, scored.count == batchSize, recent.count == 2 else {
            throw InputError("'\(path)' holds episode sums for \(bits.count) streams; this run has \(batchSize)")
        }
        episodeBits = bits
        episodeScored = scored
        (recentCorrect, recentScored) = (recent[0], recent[1])
    }
}
