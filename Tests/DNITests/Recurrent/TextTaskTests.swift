import DNI
import Foundation
import Linalg
import Testing

/// The character-level language model: bad files are rejected, and the loss falls on the
/// bundled text.
@Suite struct TextTaskTests {
    /// Writes `bytes` to a fresh temporary file and returns its path.
    static func temporaryFile(_ bytes: [UInt8], name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dni-text-\(UInt32.random(in: 0...UInt32.max))-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }

    static func makeTask(path: String, batch: Int = 8, truncation: Int = 3) throws -> any RecurrentTask {
        try TextTaskConfiguration(path: path).makeTask(batchSize: batch, truncation: truncation, seed: 1)
    }

    @Test func emptyFileIsRejected() throws {
        let path = try Self.temporaryFile([], name: "empty.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: InputError.self) { try Self.makeTask(path: path) }
        #expect(error?.description.hasPrefix(path) == true && error?.description.contains("empty") == true)
    }

    @Test func invalidUTF8IsRejected() throws {
        let bytes = Array("hello, world ".utf8) + [0xFF, 0xFE] + Array(String(repeating: "abc ", count: 200).utf8)
        let path = try Self.temporaryFile(bytes, name: "latin.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: InputError.self) { try Self.makeTask(path: path) }
        #expect(error?.description.hasPrefix(path) == true && error?.description.contains("UTF-8") == true)
    }

    @Test func textTooShortForAWindowIsRejected() throws {
        let path = try Self.temporaryFile(Array("a short text".utf8), name: "short.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: InputError.self) { try Self.makeTask(path: path, batch: 8, truncation: 3) }
        #expect(error?.description.hasPrefix(path) == true && error?.description.contains("too short") == true)
    }

    @Test func missingFileIsRejected() {
        let error = #expect(throws: InputError.self) { try Self.makeTask(path: "/nonexistent/dni-text.txt") }
        #expect(error?.description.contains("/nonexistent/dni-text.txt") == true)
    }

    /// Splits: training, validation and test parts in order, 80/10/10, over one vocabulary.
    @Test func corpusSplitsTheTextInOrder() throws {
        let text = String(repeating: "abcdefghij", count: 10)
        let corpus = try TextCorpus(bytes: Array(text.utf8), name: "memory", minimumPart: 5)
        #expect(corpus.vocabulary.count == 10)
        #expect(corpus.train.count == 80 && corpus.validation.count == 10 && corpus.test.count == 10)
        #expect(corpus.validation.first == 0 && corpus.test.first == 0)
    }

    /// BPTT on the bundled text: the training loss of the last windows is well below the first
    /// ones' (which start near ln V), and the held-out bits per character are finite and below
    /// the uniform log₂ V.
    @Test func lossFallsOnTheBundledText() throws {
        var experiment = RecurrentExperiment(task: TextTaskConfiguration(), method: .backprop)
        experiment.hiddenSize = 32
        experiment.batchSize = 16
        experiment.truncation = 5
        experiment.learningRate = 1e-2
        experiment.windows = 400
        var losses: [Double] = []
        let summary = try experiment.run { event in
            if case .window(_, _, let loss) = event { losses.append(loss) }
        }
        let first = losses.prefix(20).reduce(0, +) / 20, last = losses.suffix(20).reduce(0, +) / 20
        #expect(last < 0.75 * first, "first \(first), last \(last)")
        let bpc = try #require(summary.additionalFields["test_bpc"])
        let vocabulary = try #require(summary.additionalFields["vocabulary"])
        #expect(bpc.isFinite && bpc < log2(vocabulary), "test bpc \(bpc)")
        #expect(summary.additionalFields["steps"] == 400)
    }
}
