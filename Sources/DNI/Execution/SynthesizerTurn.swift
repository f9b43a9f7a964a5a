/// Whose turn it is to use a synthesizer that two threads share: its stage's thread predicts,
/// the thread of the stage above — where the bootstrapped target δᵢ is computed — learns. This
/// takes the synthesizer's learning step, the bulk of DNI's work with the paper's 2 × 1024
/// synthesizers, off its own stage's thread and onto a thread that would otherwise wait.
///
/// The two sides alternate exactly as in the sequential reference, … predict(b), learn(b + 1 − K),
/// predict(b + 1) …: predicting b waits until batch b − K has been learned, learning d waits
/// until batch d + K − 1 has been predicted. Each side publishes what it finished with a release
/// store; the other side's acquire load (re-checked under the mutex before it sleeps) orders the
/// synthesizer's writes before its own reads.
final class SynthesizerTurn: @unchecked Sendable {
    // Why `@unchecked Sendable` is safe: the two counters are `AtomicCounter`s (Sendable),
    // and `signal` is Sendable. The synthesizer the turn guards is used by one side at a time,
    // as the counters dictate (see above).
    /// The last batch predicted, plus one (0: none yet).
    private let predicted = AtomicCounter()
    /// The last batch learned, plus one (0: none yet).
    private let learned = AtomicCounter()
    /// Where each side waits for the other.
    let signal: WaitSignal

    /// A turn with nothing predicted or learned yet.
    init(spinNanoseconds: UInt64 = 500_000) {
        signal = WaitSignal(spinNanoseconds: spinNanoseconds)
    }

    /// True when batch `batch` has been learned.
    func hasLearned(_ batch: Int) -> Bool { Int(learned.value) > batch }

    /// The predicting side: waits until batch `batch` has been learned (nothing to wait for when
    /// `batch < 0`).
    func waitUntilLearned(_ batch: Int) throws {
        guard batch >= 0 else { return }
        try wait { Int(self.learned.value) > batch }
    }

    /// The learning side: waits until batch `batch` has been predicted.
    func waitUntilPredicted(_ batch: Int) throws {
        guard batch >= 0 else { return }
        try wait { Int(self.predicted.value) > batch }
    }

    /// The predicting side: batch `batch` is predicted.
    func finishPrediction(_ batch: Int) {
        predicted.store(UInt64(batch + 1))
        signal.signal()
    }

    /// The learning side: batch `batch` is learned.
    func finishLearning(_ batch: Int) {
        learned.store(UInt64(batch + 1))
        signal.signal()
    }

    /// Sets the counters of a run resumed from a checkpoint before batch `nextBatch`: every
    /// batch before it predicted, every batch before `nextBatch − delay` learned (where a
    /// segment leaves them). Called between segments, with no thread waiting.
    func resume(atBatch nextBatch: Int, delay: Int) {
        predicted.store(UInt64(nextBatch))
        learned.store(UInt64(max(0, nextBatch - delay)))
    }

    /// Wakes both sides for good: every wait from now on throws ``ChannelAborted``.
    func abort() { signal.abort() }

    private func wait(until ready: () -> Bool) throws { try signal.wait(until: ready) }
}
