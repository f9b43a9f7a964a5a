/// Cache-block sizes of ``PackedGEMM`` (the `MC`, `KC`, `NC` of BLIS and GotoBLAS).
///
/// The loops run `for jc in n by columnBlock { for pc in k by depthBlock { pack B;
/// for ic in m by rowBlock { pack A; macro-kernel } } }`. One packed micro-panel of B
/// (16 × depthBlock floats, 16 KiB at 256) stays in L1 while the microkernel sweeps the packed
/// A block (rowBlock × depthBlock, 120 KiB at 120 × 256) held in L2; the packed B block
/// (depthBlock × columnBlock, 3 MiB at 256 × 3072) lives in L3.
public struct GEMMBlocking: Sendable, Equatable {
    /// Rows of op(A) packed at once (MC); rounded up to a multiple of the 6-row tile.
    public var rowBlock: Int
    /// Depth of the packed panels (KC).
    public var depthBlock: Int
    /// Columns of op(B) packed at once (NC); rounded up to a multiple of the 16-column tile.
    public var columnBlock: Int

    /// Rows of the microkernel's register tile (and of a packed A micro-panel).
    public static let tileRows = 6
    /// Columns of the microkernel's register tile (and of a packed B micro-panel).
    public static let tileColumns = 16

    /// Block sizes for the AVX2 machines this project measures on (Zen 3: 32 KiB L1d,
    /// 512 KiB L2 per core, shared L3).
    public static let `default` = GEMMBlocking(rowBlock: 120, depthBlock: 256, columnBlock: 3072)

    /// Blocking with the given sizes, each rounded up to a positive multiple of its tile.
    public init(rowBlock: Int, depthBlock: Int, columnBlock: Int) {
        self.rowBlock = Self.roundUp(max(1, rowBlock), to: Self.tileRows)
        self.depthBlock = max(1, depthBlock)
        self.columnBlock = Self.roundUp(max(1, columnBlock), to: Self.tileColumns)
    }

    /// `value` rounded up to a multiple of `multiple`.
    static func roundUp(_ value: Int, to multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}
