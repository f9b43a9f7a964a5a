@testable import DNI
import Testing

/// The recurrent synthesizer's runaway check: two blocks in a row with L_M above 100× the loss of
/// predicting zero stop a run; one block, or a block at the bound, does not; its state survives a
/// checkpoint; the text task recomputes the prediction by default.
@Suite struct SynthesizerRunawayGuardTests {
    /// Feeds `blocks` blocks of windows whose L_M is `ratios[b]` × ½‖δ‖² (= 0.5), returning the
    /// messages the guard gave, by window.
    private func feed(_ guardState: inout SynthesizerRunawayGuard, ratios: [Double], from firstWindow: Int = 1)
        -> [(window: Int, message: String)] {
        var messages: [(Int, String)] = []
        var window = firstWindow
        for ratio in ratios {
            for _ in 0..<SynthesizerRunawayGuard.interval {
                if let message = guardState.observe(synthesizerLoss: 0.5 * ratio, targetLoss: 0.5, window: window) {
                    messages.append((window, message))
                }
                window += 1
            }
        }
        return messages
    }

    @Test func twoBlocksAboveTheBoundStopTheRun() {
        var runaway = SynthesizerRunawayGuard()
        let messages = feed(&runaway, ratios: [1, 150, 400])
        #expect(messages.count == 1)
        #expect(messages.first?.window == 1500)
        let message = messages.first?.message ?? ""
        #expect(message.contains("windows 501–1500"))
        #expect(message.contains("400×"))
        #expect(message.contains("--synthesizer-prediction recomputed"))
    }

    @Test func oneBlockOrABlockAtTheBoundDoesNot() {
        var guardState = SynthesizerRunawayGuard()
        // An early spike that recovers (as text seeds 1 and 3), then healthy blocks, then the bound itself.
        #expect(feed(&guardState, ratios: [180, 1.2, 300, 1, SynthesizerRunawayGuard.ratioBound, 500, 1]).isEmpty)
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
        for bad in [[1.0, 2.0, 3.0], [1, 1, 1.5, 0], [1, 1, Double(SynthesizerRunawayGuard.interval), 0], [.nan, 1, 1, 0], [1, -1, 1, 0]] {
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
