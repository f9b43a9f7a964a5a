#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An upper bound on the memory a run needs, checked before anything is allocated, so that
/// `--hidden 100000000` is a one-line answer saying how much memory that network would take
/// instead of an abort in the allocator.
///
/// The estimate counts Float32 elements: every parameter with its gradient and optimizer state
/// (Adam: 2 moments, momentum: 1 velocity), feedback matrices, the synthesizers alike, four
/// batch-sized buffers per layer (output, saved input, input gradient, batch-norm scratch), the
/// evaluation batch of 1,000 rows, and the data set. It is exact only in order of magnitude,
/// which is all a limit needs. Computed in `Double`, so absurd sizes cannot overflow.
public enum MemoryBudget {
    /// Rows of one evaluation batch (``Network/evaluate(inputs:targets:kind:batchSize:)``).
    static let evaluationRows = 1000.0

    /// Bytes a run of `configuration` in batches of `batchSize` needs, besides `dataElements`
    /// Float32 values of data.
    public static func estimatedBytes(_ configuration: NetworkConfiguration, batchSize: Int,
                                      dataElements: Double) -> Double {
        let floatsPerParameter = 2 + optimizerStateCount(configuration.optimizer)
        let rows = max(Double(batchSize), evaluationRows)
        let (parameters, activations) = configuration.architecture.base.estimatedElements(of: configuration, rows: rows)
        return 4 * (parameters * floatsPerParameter + activations + dataElements)
    }

    /// Throws an ``InputError`` starting with `settings` (the flags that set the sizes) when
    /// `bytes` exceed `limit` (default: the machine's physical memory).
    public static func check(bytes: Double, settings: String, limit: Double = physicalMemoryBytes()) throws(InputError) {
        guard bytes > limit || !bytes.isFinite else { return }
        throw InputError("\(settings): the network and its data would need \(gigabytes(bytes)) GB of memory, "
                         + "more than this machine's \(gigabytes(limit)) GB; use smaller sizes")
    }

    /// The machine's physical memory in bytes (16 GB when the system does not say).
    public static func physicalMemoryBytes() -> Double {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 16e9 }
        return Double(pages) * Double(pageSize)
    }

    /// `bytes` in GB (10⁹ bytes) with one decimal, or in scientific notation past 10¹⁵ GB.
    static func gigabytes(_ bytes: Double) -> String {
        let value = bytes / 1e9
        guard value < 1e15 else { return "\(value)" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Floats of optimizer state per parameter element.
    static func optimizerStateCount(_ kind: OptimizerKind) -> Double {
        switch kind {
        case .sgd: 0
        case .momentum: 1
        case .adam: 2
        }
    }
}
