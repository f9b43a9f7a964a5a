/// Where a recurrent run stands: windows trained, training seconds, the sums of the report
/// interval under way, and whether the task ended the run early. Saved in every checkpoint
/// (`trainer.*`).
struct RecurrentProgress {
    /// Windows trained (warm-up excluded).
    var trained = 0
    /// Training seconds so far.
    var seconds = 0.0
    /// Sums over the report interval under way.
    var lossSum = 0.0, synthesizerLossSum = 0.0, auxiliaryLossSum = 0.0
    var reportCount = 0
    /// The mean loss of the last finished report interval.
    var recentLoss = Double.nan
    /// True once the task stopped the run early (the text task's early stopping).
    var finished = false

    /// Writes the progress at `path`.
    func save(into tree: inout StateTree, path: String) {
        tree.set("\(path).windows", integers: [trained, reportCount, finished ? 1 : 0])
        tree.set("\(path).sums", doubles: [seconds, lossSum, synthesizerLossSum, auxiliaryLossSum, recentLoss])
    }

    /// Reads back what ``save(into:path:)`` wrote.
    mutating func load(from tree: StateTree, path: String) throws(InputError) {
        let windows = try tree.integers("\(path).windows")
        let sums = try tree.doubles("\(path).sums")
        guard windows.count == 3, windows[0] >= 0, windows[1] >= 0, sums.count == 5 else {
            throw InputError("'\(path).windows' and '\(path).sums' are not a recurrent run's position")
        }
        (trained, reportCount, finished) = (windows[0], windows[1], windows[2] != 0)
        (seconds, lossSum, synthesizerLossSum, auxiliaryLossSum, recentLoss) = (sums[0], sums[1], sums[2], sums[3], sums[4])
    }
}
