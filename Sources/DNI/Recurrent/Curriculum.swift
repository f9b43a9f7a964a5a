/// The curriculum of Graves et al. 2014 as Jaderberg et al. 2016 (§3.1) use it: training starts
/// at sequence length 1 and the length grows by one as soon as the mean error over the recent
/// episodes of the current length falls below a threshold (0.15 bits per output step).
///
/// The error of an episode is its mean cross-entropy in bits per scored output step. Only
/// episodes made at the current length count; the record restarts when the length grows.
/// ``maxLengthSolved`` is the largest length whose recent episodes met the threshold — the
/// paper's metric for Copy and Repeat Copy.
public struct Curriculum: Sendable, Equatable {
    /// The length new episodes are made with.
    public private(set) var length: Int
    /// The largest length solved so far (0: none).
    public private(set) var maxLengthSolved = 0
    /// Bits per output step below which a length counts as solved.
    public let threshold: Double
    /// How many recent episodes the mean is taken over.
    public let recentEpisodes: Int
    private var errors: [Double] = []
    private var next = 0
    private var sum = 0.0

    /// A curriculum starting at `length` (default 1).
    public init(length: Int = 1, threshold: Double = 0.15, recentEpisodes: Int = 100) {
        precondition(length >= 1 && recentEpisodes >= 1, "the curriculum needs a positive length and episode count")
        self.length = length
        self.threshold = threshold
        self.recentEpisodes = recentEpisodes
        errors.reserveCapacity(recentEpisodes)
    }

    /// The mean error of the recent episodes at the current length (nil before any).
    public var recentError: Double? { errors.isEmpty ? nil : sum / Double(errors.count) }

    /// Records an episode of `episodeLength` whose error was `bits` per output step; grows the
    /// length when the recent episodes are below the threshold. Returns true when it grew.
    @discardableResult
    public mutating func record(bits: Double, episodeLength: Int) -> Bool {
        guard episodeLength == length else { return false }
        if errors.count < recentEpisodes {
            errors.append(bits)
        } else {
            sum -= errors[next]
            errors[next] = bits
            next = (next + 1) % recentEpisodes
        }
        sum += bits
        guard errors.count == recentEpisodes, sum / Double(recentEpisodes) < threshold else { return false }
        maxLengthSolved = length
        length += 1
        errors.removeAll(keepingCapacity: true)
        next = 0
        sum = 0
        return true
    }
}

extension Curriculum {
    /// Writes the curriculum's length, what it solved and its window of recent episode errors.
    func saveState(into tree: inout StateTree, path: String) {
        tree.set("\(path).position", integers: [length, maxLengthSolved, next, recentEpisodes])
        tree.set("\(path).errors", doubles: errors)
        tree.set("\(path).sum", double: sum)
    }

    /// Reads back what ``saveState(into:path:)`` wrote.
    mutating func loadState(from tree: StateTree, path: String) throws(InputError) {
        let position = try tree.integers("\(path).position")
        // A length beyond a million symbols is no curriculum a run reaches (and its episodes
        // would not fit in memory).
        guard position.count == 4, (1...1_000_000).contains(position[0]), (0..<position[0]).contains(position[1]),
              position[3] == recentEpisodes else {
            throw InputError("'\(path).position' does not describe this curriculum (\(recentEpisodes) recent episodes)")
        }
        let saved = try tree.doubles("\(path).errors")
        guard saved.count <= recentEpisodes, (0..<max(1, recentEpisodes)).contains(position[2]) else {
            throw InputError("'\(path).errors' holds \(saved.count) episodes, at most \(recentEpisodes) fit")
        }
        length = position[0]
        maxLengthSolved = position[1]
        next = position[2]
        errors = saved
        errors.reserveCapacity(recentEpisodes)
        sum = try tree.double("\(path).sum")
    }
}
