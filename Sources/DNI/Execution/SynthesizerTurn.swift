import CLinalgKernels

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
    // Why `@unchecked Sendable` is safe: the two counters are accessed only through the C atomics,
    // and `signal` is Sendable. The synthesizer the turn guards is used by one side at a time,
    // as the counters dictate (see above).
    /// The last batch predicted, plus one (0: none yet).
    private let predicted: UnsafeMutablePointer<UInt64>
    /// The last batch learned, plus one (0: none yet).
    private let learned: UnsafeMutablePointer<UInt64>
    /// Where each side waits for the other.
    let signal: WaitSignal

    /// A turn with nothing predicted or learned yet.
    init(spinNanoseconds: UInt64 = 500_000) {
        predicted = .allocate(capacity: 1)
        predicted.initialize(to: 0)
        learned = .allocate(capacity: 1)
        learned.initialize(to: 0)
        signal = WaitSignal(spinNanoseconds: spinNanoseconds)
    }

    deinit {
        predicted.deallocate()
        learned.deallocate()
    }

    /// True when batch `batch` has been learned.
    func hasLearned(_ batch: Int) -> Bool { Int(dni_atomic_load_u64(learned)) > batch }

    /// The predicting side: waits until batch `batch` has been learned (nothing to wait for when
    /// `batch < 0`).
    func waitUntilLearned(_ batch: Int) throws {
        guard batch >= 0 else { return }
        try wait { Int(dni_atomic_load_u64(self.learned)) > batch }
    }

    /// The learning side: waits until batch `batch` has been predicted.
    func waitUntilPredicted(_ batch: Int) throws {
        guard batch >= 0 else { return }
        try wait { Int(dni_atomic_load_u64(self.predicted)) > batch }
    }

    /// The predicting side: batch `batch` is predicted.
    func finishPrediction(_ batch: Int) {
        dni_atomic_store_u64(predicted, UInt64(batch + 1))
        signal.signal()
    }

    /// The learning side: batch `batch` is learned.
    func finishLearning(_ batch: Int) {
        dni_atomic_store_u64(learned, UInt64(batch + 1))
        signal.signal()
    }

    /// Wakes both sides for good: every wait from now on throws ``ChannelAborted``.
    func abort() { signal.abort() }

    private func wait(until ready: () -> Bool) throws { try signal.wait(until: ready) }
}
