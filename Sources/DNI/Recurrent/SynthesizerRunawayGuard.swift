/// Stops a recurrent DNI run whose synthesizer runs away from its targets: its regression loss
/// L_M stays finite but grows far beyond what a synthesizer predicting zero would score, so the
/// core trains on synthetic gradients many times larger than the true ones (exit 1 naming the
/// windows, instead of a run that ends normally with a bad result).
///
/// The scale is the target's own: ½‖δ₀‖² per row (``RecurrentNetwork/WindowResult/targetLoss``)
/// is L_M of ĝ = 0, where a zero-initialised synthesizer starts. Over each block of
/// ``interval`` windows the guard compares the sums of L_M and of ½‖δ₀‖²; a ratio above
/// ``ratioBound`` in ``strikesToFail`` blocks in a row is a runaway.
///
/// Measured (`dni train --task text --hidden 128 --batch-size 16 --learning-rate 1e-3
/// --method dni --truncation 5 --seed S`, the ratio every 100 windows): with the stale prediction
/// seeds 2 and 4 held 150–780 from window 100 to the end, while the core's bpc stalled; seeds 1
/// and 3 started at 179 and 33 and fell below 2 by window 400, then stayed at 1.0–1.3, as every
/// recomputed-prediction run (1.0–2.1) and Copy at T = 3 (0.7–3.8) did. Two blocks of 500
/// windows above 100 separate them with room on both sides, whatever `--report-every` is.
///
/// That scale misses one kind of runaway: with `--aux`, δ₀ carries the runaway ĝ back through
/// the window and grows with it, so the ratio stays low while L_M grows by ten orders of
/// magnitude (Copy at T = 4 and 5, seed 1: 7·10¹⁰ and 4·10⁷). The guard therefore also holds each
/// block against the run's own history, a scale ĝ cannot move: a block whose mean L_M is above
/// ``growthBound`` × the lowest block mean so far is a strike too. Measured on the recorded runs
/// (report blocks of 1,000 windows): every run that did not run away stayed within 96× of its
/// lowest block on Copy and Repeat Copy and 416× on text (the stale prediction, seed 1, which
/// recovered); the runaways passed 10⁴× at windows 39,000 (T = 4) and 19,000 (T = 5), and
/// reached 10⁷–10¹⁰×.
struct SynthesizerRunawayGuard {
    /// Windows per block.
    static let interval = 500
    /// The largest Σ L_M / Σ ½‖δ₀‖² a block may reach.
    static let ratioBound = 100.0
    /// The largest mean L_M a block may reach, as a multiple of the lowest block mean so far.
    static let growthBound = 1e4
    /// Blocks in a row above either bound that stop the run.
    static let strikesToFail = 2

    private var synthesizerLossSum = 0.0, targetLossSum = 0.0
    private var windows = 0, strikes = 0
    /// The lowest positive mean L_M of a finished block; 0 before the first.
    private var lowestBlockMean = 0.0

    /// Adds one window's losses; returns the failure message when this window ends a block
    /// that makes the run a runaway, nil otherwise. `window` is the 1-based window index.
    mutating func observe(synthesizerLoss: Double, targetLoss: Double, window: Int) -> String? {
        synthesizerLossSum += synthesizerLoss
        targetLossSum += targetLoss
        windows += 1
        guard windows == Self.interval else { return nil }
        defer { synthesizerLossSum = 0; targetLossSum = 0; windows = 0 }
        let ratio = synthesizerLossSum / max(targetLossSum, .leastNormalMagnitude)
        let meanLoss = synthesizerLossSum / Double(Self.interval)
        let lowest = lowestBlockMean
        let growth = lowest > 0 ? meanLoss / lowest : 0
        if meanLoss > 0 { lowestBlockMean = lowest > 0 ? min(lowest, meanLoss) : meanLoss }
        guard ratio > Self.ratioBound || growth > Self.growthBound else { strikes = 0; return nil }
        strikes += 1
        guard strikes >= Self.strikesToFail else { return nil }
        let first = window - Self.interval * Self.strikesToFail + 1
        let head = "the synthesizer ran away from its targets over windows \(first)–\(window): its regression loss "
            + "(mean \(Float(meanLoss)) over the last \(Self.interval)) is "
        if ratio > Self.ratioBound {
            return head + "\(Int(ratio.rounded()))× that of predicting zero; "
                + "try --synthesizer-prediction recomputed or a smaller --synthesizer-learning-rate or --learning-rate"
        }
        return head + "\(Int(growth.rounded()))× its lowest block's (\(Float(lowest))); "
            + "try a smaller --synthesizer-learning-rate, --synthetic-gradient-scale or --learning-rate"
    }

    /// Writes the block under way at `path`.
    func save(into tree: inout StateTree, path: String) {
        tree.set(path, doubles: [synthesizerLossSum, targetLossSum, Double(windows), Double(strikes), lowestBlockMean])
    }

    /// Reads back what ``save(into:path:)`` wrote. A checkpoint from before the guard existed has
    /// no such section: the guard then starts a fresh block (training itself resumes exactly).
    /// One from before the growth check has 4 numbers: the lowest block mean then starts afresh.
    mutating func load(from tree: StateTree, path: String) throws(InputError) {
        guard tree.contains(path) else { self = SynthesizerRunawayGuard(); return }
        let values = try tree.doubles(path)
        guard values.count == 4 || values.count == 5, values.allSatisfy({ $0.isFinite && $0 >= 0 }),
              let windows = Int(exactly: values[2]), windows < Self.interval,
              let strikes = Int(exactly: values[3]) else {
            throw InputError("'\(path)' is not a synthesizer guard's state (4 or 5 finite non-negative numbers)")
        }
        (synthesizerLossSum, targetLossSum, self.windows, self.strikes) = (values[0], values[1], windows, strikes)
        lowestBlockMean = values.count == 5 ? values[4] : 0
    }
}
