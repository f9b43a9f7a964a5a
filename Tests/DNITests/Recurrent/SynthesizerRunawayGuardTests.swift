@testable import DNI
import Testing

/// The recurrent synthesizer's runaway check: two blocks in a row with L_M above 100× the loss of
/// predicting zero, or above 10⁵× the mean L_M of its first 10 windows, stop a run; one block, or a block at a
/// bound, does not; its state survives a checkpoint; the text task recomputes the prediction by default.
@Suite struct SynthesizerRunawayGuardTests {
    /// Feeds one block of windows per ratio, whose L_M is `ratio` × ½‖δ‖² (= 0.5), returning the
    /// messages the guard gave, by window.
    private func feed(_ guardState: inout SynthesizerRunawayGuard, ratios: [Double], from firstWindow: Int = 1)
        -> [(window: Int, message: String)] {
        feed(&guardState, blocks: ratios.map { (synthesizer: 0.5 * $0, target: 0.5) }, from: firstWindow)
    }

    @Test func twoBlocksAboveTheBoundStopTheRun() {
        var runaway = SynthesizerRunawayGuard()
        expectOneStop(feed(&runaway, ratios: [1, 150, 400]), atWindow: 1500,
                      saying: ["windows 501–1500", "400× that of predicting zero", "--synthesizer-prediction recomputed"])
    }

    /// Checks that the guard stopped the run once, at `window`, with a message holding every fragment.
    private func expectOneStop(_ messages: [(window: Int, message: String)], atWindow window: Int, saying fragments: [String],
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(messages.map(\.window) == [window], sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(messages.first?.message.contains(fragment) == true, "missing: \(fragment)", sourceLocation: sourceLocation)
        }
    }

    @Test func oneBlockOrABlockAtTheBoundDoesNot() {
        var guardState = SynthesizerRunawayGuard()
        // An early spike that recovers (as text seeds 1 and 3), then healthy blocks, then the bound itself.
        #expect(feed(&guardState, ratios: [180, 1.2, 300, 1, SynthesizerRunawayGuard.ratioBound, 500, 1]).isEmpty)
    }

    /// Feeds one block per pair: every window has L_M = `losses.synthesizer` and ½‖δ₀‖² = `losses.target`.
    private func feed(_ guardState: inout SynthesizerRunawayGuard, blocks: [(synthesizer: Double, target: Double)],
                      from firstWindow: Int = 1) -> [(window: Int, message: String)] {
        var messages: [(Int, String)] = []
        var window = firstWindow
        for block in blocks {
            for _ in 0..<SynthesizerRunawayGuard.interval {
                if let message = guardState.observe(synthesizerLoss: block.synthesizer, targetLoss: block.target,
                                                    window: window) {
                    messages.append((window, message))
                }
                window += 1
            }
        }
        return messages
    }

    /// The runaway in which δ₀ grows with ĝ (Aux; Adam 10⁻³ with λ = 1): L_M stays within 2× of
    /// predicting zero while it grows 10⁵-fold over its first windows' (Copy T = 4 with --aux went
    /// from 0.07 to 7·10¹⁰).
    @Test func growthOverTheFirstWindowsStopsTheRunEvenWhenTheTargetGrowsWithIt() {
        var guardState = SynthesizerRunawayGuard()
        expectOneStop(feed(&guardState, blocks: [(1, 0.5), (300, 150), (2e5, 1e5), (5e6, 2.5e6)]), atWindow: 2000,
                      saying: ["windows 1001–2000", "5000000× that of its first 10 windows (1.0)", "--synthetic-gradient-scale"])
    }

    /// Growth up to the bound, or one block above it, is not a runaway: a curriculum lengthens
    /// the sequences and the targets with them (healthy runs reached 2.3·10³× their first windows).
    /// Only the first windows set the scale: a later, lower block does not tighten it.
    @Test func growthWithinTheBoundOrOneBlockAboveItDoesNot() {
        var guardState = SynthesizerRunawayGuard()
        let bound = SynthesizerRunawayGuard.growthBound
        #expect(feed(&guardState, blocks: [(1, 0.5), (400, 300), (bound, bound), (3 * bound, 3 * bound),
                                           (50, 40), (bound, bound), (0.01, 1), (bound, bound)]).isEmpty)
    }

    /// A non-finite L_M stops the run at once, and a block of huge finite losses is named
    /// without trapping.
    @Test func aNonFiniteLossStopsAtOnceAndHugeOnesDoNotTrap() {
        var guardState = SynthesizerRunawayGuard()
        #expect(feed(&guardState, blocks: [(1, 1)]).isEmpty)
        let message = guardState.observe(synthesizerLoss: .infinity, targetLoss: 1, window: 501)
        #expect(message?.contains("regression loss is inf at window 501") == true)
        var huge = SynthesizerRunawayGuard()
        expectOneStop(feed(&huge, blocks: [(1, 1), (1e300, 1), (1e300, 1)]), atWindow: 1500,
                      saying: ["e+300 over the last 500", "e+300× that of predicting zero"])
    }

    /// The reference is part of the saved state: a resumed run holds its blocks against the
    /// first windows before the checkpoint, as the uninterrupted run does.
    @Test func theReferenceSurvivesACheckpoint() throws {
        let blocks: [(synthesizer: Double, target: Double)] = [(1, 0.5), (3e5, 1e5), (3e5, 1e5)]
        var uninterrupted = SynthesizerRunawayGuard()
        let expected = feed(&uninterrupted, blocks: blocks)
        #expect(expected.count == 1)

        var first = SynthesizerRunawayGuard()
        #expect(feed(&first, blocks: [blocks[0]]).isEmpty)
        var tree = StateTree()
        first.save(into: &tree, path: "g")
        var resumed = SynthesizerRunawayGuard()
        try resumed.load(from: tree, path: "g")
        let after = feed(&resumed, blocks: Array(blocks[1...]), from: 501)
        #expect(after.map(\.window) == expected.map(\.window))
        #expect(after.map(\.message) == expected.map(\.message))

        // A checkpoint from before the growth check (4 numbers) loads; its reference comes from
        // the windows after the resume, so the check is laxer, never stricter.
        var older = StateTree()
        older.set("g", doubles: [0, 0, 0, 0])
        var fromOlder = SynthesizerRunawayGuard()
        try fromOlder.load(from: older, path: "g")
        #expect(feed(&fromOlder, blocks: Array(blocks[1...]), from: 501).isEmpty)
    }

    @Test func withoutASynthesizerNothingIsChecked() {
        var guardState = SynthesizerRunawayGuard()
        for window in 1...(3 * SynthesizerRunawayGuard.interval) {
            #expect(guardState.observe(synthesizerLoss: 0, targetLoss: 0, window: window) == nil)
        }
    }

    @Test func aBlockUnderWaySurvivesACheckpoint() throws {
        var uninterrupted = SynthesizerRunawayGuard()
        let expected = feed(&uninterrupted, ratios: [200, 200])
        #expect(expected.count == 1)

        // Stop after one and a half blocks, save, load into a fresh guard, go on.
        var first = SynthesizerRunawayGuard()
        #expect(feed(&first, ratios: [200]).isEmpty)
        for window in 501...750 { #expect(first.observe(synthesizerLoss: 100, targetLoss: 0.5, window: window) == nil) }
        var tree = StateTree()
        first.save(into: &tree, path: "trainer.synthesizer_guard")
        var resumed = SynthesizerRunawayGuard()
        try resumed.load(from: tree, path: "trainer.synthesizer_guard")
        var message: String?
        for window in 751...1000 {
            message = resumed.observe(synthesizerLoss: 100, targetLoss: 0.5, window: window) ?? message
        }
        #expect(message == expected.first?.message)
    }

    @Test func anOlderCheckpointStartsAFreshBlockAndABadOneIsRefused() throws {
        var guardState = SynthesizerRunawayGuard()
        try guardState.load(from: StateTree(), path: "trainer.synthesizer_guard")
        #expect(feed(&guardState, ratios: [1]).isEmpty)
        for bad in [[1.0, 2.0, 3.0], [1, 1, 1.5, 0], [1, 1, Double(SynthesizerRunawayGuard.interval), 0], [.nan, 1, 1, 0],
                    [1, -1, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0.5], [0, 0, 0, 0, 1, 11], [0, 0, 0, 0, .infinity, 1]] {
            var tree = StateTree()
            tree.set("g", doubles: bad)
            #expect(throws: InputError.self) { try guardState.load(from: tree, path: "g") }
        }
    }

    @Test func theTextTaskRecomputesThePredictionByDefault() {
        #expect(RecurrentExperiment(task: TextTaskConfiguration(), method: .dni).synthesizerRecomputesPrediction)
        #expect(!RecurrentExperiment(task: CopyTaskConfiguration(), method: .dni).synthesizerRecomputesPrediction)
    }
}
