import DNI
import Linalg
import Testing

/// The replayed noise control: a DNI run records λ‖ĝₙ‖ per window and stream
/// (`--record-injected-norms`), and the control injects random directions with those norms
/// (`--noise-norms`).
@Suite struct InjectedNormRecordTests {
    /// A recording DNI run and the matching control, small enough for a test.
    static func experiment(noise: Bool) -> RecurrentExperiment {
        var experiment = SyntheticGradientNoiseControlTests.experiment(noise: noise)
        experiment.warmupWindows = 2
        return experiment
    }

    /// The record a run ends with: one row per window (warm-up included) of `batchSize` norms.
    static func record(of experiment: RecurrentExperiment) throws -> InjectedNormRecord {
        var recording = experiment
        recording.recordsInjectedNorms = true
        var record: InjectedNormRecord?
        _ = try recording.run(engine: .builtin(threads: 1)) { if case .injectedNorms(let r) = $0 { record = r } }
        return try #require(record)
    }

    @Test func aDNIRunRecordsItsInjectedNorms() throws {
        let record = try Self.record(of: Self.experiment(noise: false))
        #expect(record.batchSize == 4 && record.windows == 32)
        // The synthesizer starts at zero: nothing is injected in the first window, then it is.
        #expect((0..<4).allSatisfy { record.norm(window: 0, stream: $0) == 0 })
        #expect(record.norms.contains { $0 > 0 } && record.norms.allSatisfy { $0.isFinite && $0 >= 0 })
        // Recording does not change the run.
        let plain = try Self.experiment(noise: false).run(engine: .builtin(threads: 1))
        var recording = Self.experiment(noise: false)
        recording.recordsInjectedNorms = true
        #expect(try recording.run(engine: .builtin(threads: 1)).parametersSHA256 == plain.parametersSHA256)
    }

    /// With replayed norms each row gets the recorded norm and the direction it would have got.
    @Test func replayedNormsSetEachRowsNorm() {
        var generator = SeededGenerator(seed: 2)
        let gradient = Matrix.randomNormal(rows: 3, columns: 40, standardDeviation: 1, using: &generator)
        var record = InjectedNormRecord(batchSize: 3)
        record.append(rowNormsOf: Matrix.randomNormal(rows: 3, columns: 40, standardDeviation: 5, using: &generator))
        var own = SyntheticGradientNoiseControl(seed: 6), replayed = SyntheticGradientNoiseControl(seed: 6)
        replayed.replayedNorms = record
        var a = gradient, b = gradient
        own.redirect(&a)
        replayed.redirect(&b)
        for row in 0..<3 {
            let x = (0..<40).map { a[row, $0] }, y = (0..<40).map { b[row, $0] }
            let norm = { (v: [Float]) in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
            #expect(abs(norm(y) - record.norm(window: 0, stream: row)) <= 1e-5 * norm(y))
            let cosine = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } / (norm(x) * norm(y))
            #expect(abs(cosine - 1) < 1e-5)
        }
    }

    /// The control with DNI's norms trains, says so, and differs from the control with its own.
    @Test func theReplayedControlRuns() throws {
        let record = try Self.record(of: Self.experiment(noise: false))
        var replay = Self.experiment(noise: true)
        replay.noiseNorms = record
        let summary = try replay.run(engine: .builtin(threads: 1))
        #expect(summary.additionalFields["noise_norms_replayed"] == 1)
        #expect(summary.trainLoss.isFinite)
        let own = try Self.experiment(noise: true).run(engine: .builtin(threads: 1))
        #expect(own.additionalFields["noise_norms_replayed"] == nil)
        #expect(own.parametersSHA256 != summary.parametersSHA256)
    }

    /// A file round trip, and what the reader refuses: another batch size, too few windows, a
    /// negative or non-finite norm, a file without the section; settings that do not fit.
    @Test func readingChecksTheRecord() throws {
        var record = InjectedNormRecord(batchSize: 2, capacity: 3)
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<3 { record.append(rowNormsOf: Matrix.randomNormal(rows: 2, columns: 5, standardDeviation: 1, using: &generator)) }
        let bytes = CheckpointFile(header: Array("{}".utf8), sections: record.stateTree.sections).serialized()
        let tree = StateTree(sections: try CheckpointFile(parsing: bytes).sections)
        #expect(try InjectedNormRecord(tree: tree, path: "n.dni", batchSize: 2, windows: 3) == record)
        #expect(try InjectedNormRecord(tree: tree, path: "n.dni", batchSize: 2, windows: 2).windows == 3)
        #expect(throws: InputError("n.dni: records 2 streams per window, this run has --batch-size 4")) {
            try InjectedNormRecord(tree: tree, path: "n.dni", batchSize: 4, windows: 3)
        }
        #expect(throws: InputError("n.dni: records 3 windows, this run trains 4 (warm-up included)")) {
            try InjectedNormRecord(tree: tree, path: "n.dni", batchSize: 2, windows: 4)
        }
        for bad: Float in [-1, .nan, .infinity] {
            var broken = StateTree()
            broken.add(CheckpointSection(name: InjectedNormRecord.sectionName, floats: [1, 2, bad, 4], shape: [2, 2]))
            #expect(throws: InputError.self) { try InjectedNormRecord(tree: broken, path: "n.dni", batchSize: 2, windows: 2) }
        }
        #expect(throws: InputError.self) { try InjectedNormRecord(tree: StateTree(), path: "n.dni", batchSize: 2, windows: 1) }
        var experiment = Self.experiment(noise: false)
        experiment.noiseNorms = record
        #expect(throws: InputError.self) { try experiment.validate() }  // needs the noise control
        experiment.injectsNoise = true
        #expect(throws: InputError.self) { try experiment.validate() }  // 4 streams, 32 windows
        var bptt = Self.experiment(noise: false)
        bptt.method = .backprop
        bptt.recordsInjectedNorms = true
        #expect(throws: InputError.self) { try bptt.validate() }
    }
}
