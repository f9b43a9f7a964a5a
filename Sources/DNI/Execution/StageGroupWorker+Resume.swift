import Linalg

extension StageGroupWorker {
    /// The inbox that holds the waiting targets of stage `index`'s synthesizer when this group
    /// trains that synthesizer for a neighbour (placements `.above` and `.below`), or nil.
    func borrowedInbox(ofStage index: Int) -> TargetInbox? {
        if lowerSynthesizer != nil && index == firstIndex - 1 { return lowerInbox }
        if upperSynthesizer != nil && index == firstIndex + stages.count { return upperInbox }
        return nil
    }

    /// Replaces the borrowed inbox of stage `index`'s synthesizer; false when this group holds none.
    func replaceBorrowedInbox(ofStage index: Int, with entries: [(batch: Int, target: Matrix)]) throws(InputError) -> Bool {
        if lowerSynthesizer != nil && index == firstIndex - 1 {
            try lowerInbox.replace(with: entries)
            return true
        }
        if upperSynthesizer != nil && index == firstIndex + stages.count {
            try upperInbox.replace(with: entries)
            return true
        }
        return false
    }

    /// Sets the group's counters to continue before batch `nextBatch`, as a segment that ended
    /// just before it leaves them: every target through `nextBatch − 1` received, the shared
    /// synthesizers' turns at the sequential run's point.
    func resume(atBatch nextBatch: Int) {
        targetsReceivedThrough = nextBatch - 1
        upperTargetsReceivedThrough = nextBatch - 1
        for turn in [topTurn, firstTurn, lowerSynthesizer?.turn, upperSynthesizer?.turn] {
            turn?.resume(atBatch: nextBatch, delay: delay)
        }
    }
}
