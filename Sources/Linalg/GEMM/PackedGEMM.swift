import CLinalgKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast built-in GEMM: packed panels, a 6×16 register-blocked microkernel, BLIS-style cache
/// blocking and threads over the cores.
///
/// For each thread's block of C, the loops are
/// ```
/// for jc in 0..<n by NC            // columns of C and of op(B)
///   for pc in 0..<k by KC          // depth
///     pack op(B)[pc..<pc+KC, jc..<jc+NC] into 16-column micro-panels
///     for ic in 0..<m by MC        // rows of C and of op(A)
///       pack op(A)[ic..<ic+MC, pc..<pc+KC] into 6-row micro-panels
///       macro-kernel: every 6×16 tile of C[ic..., jc...] += α · Ap · Bp   (β on the first pc)
/// ```
/// Packing absorbs the four transpose cases, so one microkernel serves them all. The
/// microkernel is the AVX2/FMA one when the CPU has it (chosen at run time, see
/// ``GEMMInstructionSet``), else portable C. Edge tiles are computed into a tile on the stack
/// and merged, so any `m`, `n`, `k` works.
///
/// Threads: C is cut into `threads` strips along its longer side (in whole tiles), and each
/// strip is an independent GEMM with its own packing buffer, run by the kernel's persistent
/// worker threads and the calling thread (``GEMMWorkerPool``). Products too small to repay a
/// wake-up run on the calling thread; `threads == 1` never starts a thread.
///
/// Packing buffers come from a pool owned by the kernel value (``GEMMScratchPool``), so a warm
/// kernel allocates nothing per call. Create a kernel (or engine) once and keep it: its buffers
/// and worker threads live as long as it (and its copies) do.
public struct PackedGEMM: GEMMKernel {
    /// Threads used for one product (1: everything on the calling thread). Fixed at creation,
    /// because the kernel's worker threads are sized by it.
    public let threads: Int
    /// The microkernel's instruction set (``GEMMInstructionSet/best`` unless forced, e.g. in tests).
    public let instructionSet: GEMMInstructionSet
    /// Cache-block sizes.
    public var blocking: GEMMBlocking
    /// Products with fewer multiply-adds than this run on one thread; more generally, no strip
    /// gets fewer multiply-adds than this.
    public var minimumWorkPerThread: Int
    /// Strips per thread: threads claim strips one at a time, so with more strips than threads
    /// a thread slowed by other work on its core leaves fewer strips behind.
    public var stripsPerThread: Int

    private let scratch = GEMMScratchPool()
    private let workers: GEMMWorkerPool

    /// The number of processors currently online (at least 1).
    public static var activeProcessorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// A kernel with `threads` threads (default: every online processor), the given microkernel
    /// (default: the fastest this CPU runs) and block sizes.
    ///
    /// - Precondition: `instructionSet.isSupported` (forcing AVX2 on a CPU without it would crash).
    public init(
        threads: Int = PackedGEMM.activeProcessorCount,
        instructionSet: GEMMInstructionSet = .best,
        blocking: GEMMBlocking = .default,
        minimumWorkPerThread: Int = 1 << 20,
        stripsPerThread: Int = 1
    ) {
        precondition(instructionSet.isSupported, "this CPU cannot run the \(instructionSet.rawValue) GEMM microkernel")
        self.threads = max(1, threads)
        self.instructionSet = instructionSet
        self.blocking = blocking
        self.minimumWorkPerThread = max(1, minimumWorkPerThread)
        self.stripsPerThread = max(1, stripsPerThread)
        self.workers = GEMMWorkerPool(workerCount: self.threads - 1)
    }

    /// `builtin`, the name `DNI_GEMM` selects this kernel by.
    public var name: String { "builtin" }

    /// `C = α·op(A)·op(B) + β·C`; see ``GEMMKernel`` for the layout and the β = 0 rule.
    public func multiply(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m <= 0 || n <= 0 { return }
        if k == 0 || alpha == 0 {
            scale(c: c, m: m, n: n, ldc: ldc, beta: beta)
            return
        }
        let operands = Operands(transposeA: transposeA, transposeB: transposeB, k: k, alpha: alpha,
                                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, packedB: nil)
        run(operands, m: m, n: n)
    }

    /// Runs `operands` (an `m × n` C) on this thread or cut into strips over the workers.
    func run(_ operands: Operands, m: Int, n: Int) {
        let strips = stripCount(m: m, n: n, k: operands.k)
        if strips == 1 {
            multiplyBlock(operands, rows: 0..<m, columns: 0..<n)
            return
        }
        let plan = StripPlan(operands: operands, m: m, n: n, strips: strips)
        if !workers.run(kernel: self, plan: plan) {
            // Another product holds the pool: run this one's strips here, one after another.
            for strip in 0..<strips { run(strip: strip, of: plan) }
        }
    }

    /// How a product is cut into strips: the longer side of C in runs of whole tiles. A plain
    /// value (no closure), so handing it to the worker threads allocates nothing.
    struct StripPlan {
        let operands: Operands
        let m: Int, n: Int
        let strips: Int
        /// Whether strips are runs of columns (else of rows).
        var alongColumns: Bool { n >= m }
    }

    /// Computes strip `strip` of `plan` on the calling thread.
    func run(strip: Int, of plan: StripPlan) {
        let length = plan.alongColumns ? plan.n : plan.m
        let tile = plan.alongColumns ? GEMMBlocking.tileColumns : GEMMBlocking.tileRows
        let tiles = (length + tile - 1) / tile
        let start = min(length, tiles * strip / plan.strips * tile)
        let end = min(length, tiles * (strip + 1) / plan.strips * tile)
        if start >= end { return }
        if plan.alongColumns {
            multiplyBlock(plan.operands, rows: 0..<plan.m, columns: start..<end)
        } else {
            multiplyBlock(plan.operands, rows: start..<end, columns: 0..<plan.n)
        }
    }

    /// How many strips an `m × n × k` product is cut into: at most ``threads`` ×
    /// ``stripsPerThread``, at least ``minimumWorkPerThread`` multiply-adds each, at least one
    /// tile of C each.
    public func stripCount(m: Int, n: Int, k: Int) -> Int {
        if threads == 1 { return 1 }
        let work = m * n * k
        let longerTiles = n >= m
            ? (n + GEMMBlocking.tileColumns - 1) / GEMMBlocking.tileColumns
            : (m + GEMMBlocking.tileRows - 1) / GEMMBlocking.tileRows
        return max(1, min(threads * stripsPerThread, work / minimumWorkPerThread, longerTiles))
    }

    /// The arguments of one product, as a value that can cross to the worker threads.
    struct Operands: @unchecked Sendable {
        // Why `@unchecked Sendable` is safe: the pointers are only used during `multiply`, which
        // does not return before every strip has finished (`GEMMWorkerPool.run` waits for
        // them); strips read A and B and write disjoint blocks of C.
        let transposeA: Bool, transposeB: Bool
        let k: Int
        let alpha: Float
        let a: UnsafePointer<Float>, lda: Int
        let b: UnsafePointer<Float>, ldb: Int
        let beta: Float
        let c: UnsafeMutablePointer<Float>, ldc: Int
        /// op(B) already packed (``PackedGEMMOperand``): no strip packs B; nil packs as usual.
        let packedB: PackedLayout?
    }

    /// Where the panels of an op(B) packed once lie (see ``PackedGEMMOperand``): column blocks of
    /// `columnBlock` columns from column 0, each cut into the depth slices ``multiplyBlock``
    /// uses; block b, slice starting at depth p, starts at `b·columnBlock·k + width_b·p`
    /// (width_b: block b's columns rounded up to whole tiles), and its tile panels follow one
    /// another, `16 × depth` floats each.
    struct PackedLayout {
        let panels: UnsafePointer<Float>
        let n: Int
        let columnBlock: Int

        /// The packed panels of columns `start…` (a tile boundary inside block `start / columnBlock`)
        /// in the depth slice `depthStart ..< depthStart + depthCount`.
        func panels(columnStart start: Int, depthStart: Int, depthCount: Int, k: Int) -> UnsafePointer<Float> {
            let block = start / columnBlock, blockStart = block * columnBlock
            let width = GEMMBlocking.roundUp(min(columnBlock, n - blockStart), to: GEMMBlocking.tileColumns)
            return panels + block * columnBlock * k + width * depthStart + (start - blockStart) * depthCount
        }
    }

    /// C[rows, columns] = α·op(A)[rows, :]·op(B)[:, columns] + β·C[rows, columns], on this thread.
    private func multiplyBlock(_ operands: Operands, rows: Range<Int>, columns: Range<Int>) {
        let k = operands.k
        let rowBlock = min(blocking.rowBlock, GEMMBlocking.roundUp(rows.count, to: GEMMBlocking.tileRows))
        let columnBlock = operands.packedB?.columnBlock
            ?? min(blocking.columnBlock, GEMMBlocking.roundUp(columns.count, to: GEMMBlocking.tileColumns))
        let depthBlock = depthBlock(k: k)
        let packedACount = rowBlock * depthBlock
        let packedBCount = operands.packedB == nil ? columnBlock * depthBlock : 0
        let instructionSet = instructionSet.cValue
        scratch.withBuffer(count: packedACount + packedBCount) { buffer in
            let packedA = buffer
            var columnStart = columns.lowerBound
            while columnStart < columns.upperBound {
                // Packed once, blocks start at multiples of columnBlock from column 0; a strip
                // may begin inside one.
                let blockEnd = operands.packedB == nil
                    ? columnStart + columnBlock : (columnStart / columnBlock + 1) * columnBlock
                let columnCount = min(blockEnd, columns.upperBound) - columnStart
                defer { columnStart += columnCount }
                for depthStart in stride(from: 0, to: k, by: depthBlock) {
                    let depthCount = min(depthBlock, k - depthStart)
                    let packedB: UnsafePointer<Float>
                    if let layout = operands.packedB {
                        packedB = layout.panels(columnStart: columnStart, depthStart: depthStart, depthCount: depthCount, k: k)
                    } else {
                        let bBlock = operands.transposeB
                            ? operands.b + columnStart * operands.ldb + depthStart
                            : operands.b + depthStart * operands.ldb + columnStart
                        dni_gemm_pack_b(instructionSet, operands.transposeB ? 1 : 0, Int64(depthCount),
                                        Int64(columnCount), bBlock, Int64(operands.ldb), buffer + packedACount)
                        packedB = UnsafePointer(buffer + packedACount)
                    }
                    // β applies once, on the first slice of the depth; later slices accumulate.
                    let beta = depthStart == 0 ? operands.beta : 1
                    for rowStart in stride(from: rows.lowerBound, to: rows.upperBound, by: rowBlock) {
                        let rowCount = min(rowBlock, rows.upperBound - rowStart)
                        let aBlock = operands.transposeA
                            ? operands.a + depthStart * operands.lda + rowStart
                            : operands.a + rowStart * operands.lda + depthStart
                        // One column panel: each element of A is used once, so read it in place.
                        if columnCount <= GEMMBlocking.tileColumns,
                           dni_gemm_macro_kernel_unpacked_a(
                               instructionSet, Int64(rowCount), Int64(columnCount), Int64(depthCount),
                               operands.alpha, aBlock,
                               Int64(operands.transposeA ? 1 : operands.lda), Int64(operands.transposeA ? operands.lda : 1),
                               packedB, beta, operands.c + rowStart * operands.ldc + columnStart,
                               Int64(operands.ldc)) != 0 {
                            continue
                        }
                        dni_gemm_pack_a(instructionSet, operands.transposeA ? 1 : 0, Int64(rowCount),
                                        Int64(depthCount), aBlock, Int64(operands.lda), packedA)
                        dni_gemm_macro_kernel(
                            instructionSet, Int64(rowCount), Int64(columnCount), Int64(depthCount),
                            operands.alpha, packedA, packedB, beta,
                            operands.c + rowStart * operands.ldc + columnStart, Int64(operands.ldc))
                    }
                }
            }
        }
    }

    /// The depth of the slices a product of depth `k` is cut into: equal slices (784 = 4 × 196,
    /// not 3 × 256 + 16), since a thin last slice would pay a full load and store of C for
    /// little work.
    func depthBlock(k: Int) -> Int {
        let depthSlices = (k + blocking.depthBlock - 1) / blocking.depthBlock
        return (k + depthSlices - 1) / depthSlices
    }
}
