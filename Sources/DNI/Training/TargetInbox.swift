import Linalg

/// The bootstrapped targets δᵢ that reached a stage's synthesizer from above and wait until the
/// synthesizer's turn to learn from them (docs/decoupled-execution.md: under delay K, Mᵢ learns from the target
/// of batch b just before it predicts for batch b + K).
///
/// Targets arrive in batch order. Each is copied into a preallocated slot, so a message buffer
/// can be reused at once and a warmed-up inbox allocates nothing.
struct TargetInbox {
    private var batches: [Int?] = []
    private var targets: [Matrix] = []

    /// Makes room for `count` waiting targets.
    mutating func reserveCapacity(_ count: Int) {
        while batches.count < count {
            batches.append(nil)
            targets.append(.empty)
        }
    }

    /// Number of targets waiting.
    var count: Int { batches.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Stores a copy of `target` for `batch`; throws when every slot is taken.
    mutating func store(batch: Int, _ target: Matrix) throws {
        guard let slot = batches.firstIndex(where: { $0 == nil }) else {
            throw SynthesizerScheduleError("the target of batch \(batch) arrived with \(batches.count) targets already waiting")
        }
        batches[slot] = batch
        targets[slot].assign(target)
    }

    /// Calls `body` with the target of `batch` and frees its slot; nil when it has not arrived.
    mutating func take<R>(batch: Int, _ body: (Matrix) throws -> R) rethrows -> R? {
        guard let slot = batches.firstIndex(where: { $0 == batch }) else { return nil }
        batches[slot] = nil
        return try body(targets[slot])
    }

    /// The waiting targets, in batch order (a checkpoint saves them).
    var waiting: [(batch: Int, target: Matrix)] {
        zip(batches, targets).compactMap { batch, target in batch.map { ($0, target) } }.sorted { $0.batch < $1.batch }
    }

    /// Empties the inbox, then stores `entries` (a checkpoint's waiting targets).
    mutating func replace(with entries: [(batch: Int, target: Matrix)]) throws(InputError) {
        for slot in batches.indices { batches[slot] = nil }
        guard entries.count <= batches.count else {
            throw InputError("\(entries.count) targets wait in the checkpoint; this run's delay leaves room for \(batches.count)")
        }
        for (slot, entry) in entries.enumerated() {
            batches[slot] = entry.batch
            targets[slot].assign(entry.target)
        }
    }

    /// Writes `entries` — targets in batch order, wherever they wait — at `path`
    /// (`path.batches`, `path.<batch>`).
    static func save(_ entries: [(batch: Int, target: Matrix)], into tree: inout StateTree, path: String) {
        tree.set("\(path).batches", integers: entries.map(\.batch))
        for entry in entries { tree.set("\(path).\(entry.batch)", matrix: entry.target) }
    }

    /// Reads back what ``save(_:into:path:)`` wrote.
    mutating func load(from tree: StateTree, path: String) throws(InputError) {
        var entries: [(batch: Int, target: Matrix)] = []
        for batch in try tree.integers("\(path).batches") {
            entries.append((batch, try tree.matrix("\(path).\(batch)")))
        }
        try replace(with: entries)
    }
}
