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
/// That scale misses the runaways in which δ₀ grows with ĝ: δ₀ carries λ·ĝ of the next window
/// back through this one, so once ĝ feeds itself (with `--aux`, or with the core at Adam 10⁻³ and
/// λ = 1) the ratio stays low while L_M grows by ten orders of magnitude. The guard therefore also
/// holds each block against a scale ĝ cannot have moved: the mean L_M of the run's first
/// ``referenceWindows`` windows, while the zero-initialised synthesizer still predicts almost
/// nothing, so its loss is the true targets'. A block whose mean L_M is above ``growthBound`` ×
/// that reference is a strike too. Measured (each recorded run's command rerun for its first 10
/// windows, against the largest mean L_M its report lines show): every run that did not run
/// away stayed within 2.3·10³× (the noise control; Copy T = 5 1.6·10³×, text with the stale
/// prediction on seed 1, which recovered, 1.1·10³×, every other run below 400×); the runaways
/// reached 1.1·10⁶× (text, stale, seed 2) to 10¹²× (Copy T = 4 with `--aux`), and Copy at T = 3
/// with the core at Adam 10⁻³ and λ = 1 was at 6·10⁶× over its first 500 windows.
struct SynthesizerRunawayGuard {
    /// Windows per block.
    static let interval = 500
    /// The largest Σ L_M / Σ ½‖δ₀‖² a block may reach.
    static let ratioBound = 100.0
    /// The windows at the start of a run whose mean L_M is the reference scale.
    static let referenceWindows = 10
    /// The largest mean L_M a block may reach, as a multiple of the reference scale.
    static let growthBound = 1e5
    /// Blocks in a row above either bound that stop the run.
    static let strikesToFail = 2

    private var synthesizerLossSum = 0.0, targetLossSum = 0.0
    private var windows = 0, strikes = 0
    /// Σ L_M over the run's first windows, and how many of the ``referenceWindows`` it holds.
    private var referenceSum = 0.0, referenceCount = 0

    /// Adds one window's losses; returns the failure message when this window ends a block
    /// that makes the run a runaway, nil otherwise. `window` is the 1-based window index.
    mutating func observe(synthesizerLoss: Double, targetLoss: Double, window: Int) -> String? {
        guard synthesizerLoss.isFinite else {
            return "the synthesizer's regression loss is \(synthesizerLoss) at window \(window); "
                + "try a smaller --synthesizer-learning-rate, --synthetic-gradient-scale or --learning-rate"
        }
        synthesizerLossSum += synthesizerLoss
        targetLossSum += targetLoss
        windows += 1
        if referenceCount < Self.referenceWindows { referenceSum += synthesizerLoss; referenceCount += 1 }
        guard windows == Self.interval else { return nil }
        defer { synthesizerLossSum = 0; targetLossSum = 0; windows = 0 }
        let ratio = synthesizerLossSum / max(targetLossSum, .leastNormalMagnitude)
        let meanLoss = synthesizerLossSum / Double(Self.interval)
        let reference = referenceSum / Double(max(referenceCount, 1))
        let growth = reference > 0 ? meanLoss / reference : 0
        guard ratio > Self.ratioBound || growth > Self.growthBound else { strikes = 0; return nil }
        strikes += 1
        guard strikes >= Self.strikesToFail else { return nil }
        let first = window - Self.interval * Self.strikesToFail + 1
        let head = "the synthesizer ran away from its targets over windows \(first)–\(window): its regression loss "
            + "(mean \(Self.shown(meanLoss)) over the last \(Self.interval)) is "
        if ratio > Self.ratioBound {
            return head + "\(Self.multiple(ratio))× that of predicting zero; "
                + "try --synthesizer-prediction recomputed or a smaller --synthesizer-learning-rate or --learning-rate"
        }
        return head + "\(Self.multiple(growth))× that of its first \(Self.referenceWindows) windows (\(Self.shown(reference))); "
            + "try a smaller --synthesizer-learning-rate, --synthetic-gradient-scale or --learning-rate"
    }

    /// `x` as a whole number where it is one to print (below 10¹⁵), else in exponent form:
    /// a sum of huge losses must not trap in `Int(_:)`.
    static func multiple(_ x: Double) -> String {
        x < 1e15 ? String(Int(x.rounded())) : String(x)
    }

    /// `x` with a float's digits where a float holds it (past 10³⁰, all of a double's).
    static func shown(_ x: Double) -> String {
        abs(x) < 1e30 ? String(Float(x)) : String(x)
    }

    /// Writes the block under way at `path`.
    func save(into tree: inout StateTree, path: String) {
        tree.set(path, doubles: [synthesizerLossSum, targetLossSum, Double(windows), Double(strikes),
                                 referenceSum, Double(referenceCount)])
    }

    /// Reads back what ``save(into:path:)`` wrote. A checkpoint from before the guard existed has
    /// no such section: the guard then starts a fresh block (training itself resumes exactly).
    /// One from before the growth check has 4 numbers: its reference is then taken from the first
    /// windows after the resume (later, so larger: the check can only be laxer, never stop a run
    /// the uninterrupted one would not).
    mutating func load(from tree: StateTree, path: String) throws(InputError) {
        guard tree.contains(path) else { self = SynthesizerRunawayGuard(); return }
        let values = try tree.doubles(path)
        guard values.count == 4 || values.count == 6, values.allSatisfy({ $0.isFinite && $0 >= 0 }),
              let windows = Int(exactly: values[2]), windows < Self.interval,
              let strikes = Int(exactly: values[3]),
              let referenceCount = Int(exactly: values.count == 6 ? values[5] : 0),
              referenceCount <= Self.referenceWindows else {
            throw InputError("'\(path)' is not a synthesizer guard's state (4 or 6 finite non-negative numbers)")
        }
        (synthesizerLossSum, targetLossSum, self.windows, self.strikes) = (values[0], values[1], windows, strikes)
        (referenceSum, self.referenceCount) = (values.count == 6 ? values[4] : 0, referenceCount)
    }
}
