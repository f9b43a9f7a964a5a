import CLinalgKernels
import Linalg
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The GEMM packing routines, called directly: the portable path against the layout of
/// CLinalgKernels.h, and the AVX2 path against the portable one, bit for bit.
///
/// Sources hold random bit patterns (NaN payloads, −0, subnormals included) and end right
/// before a page without access, so a read past the last element the block needs crashes; the
/// packed buffer is followed by a guard region that must keep its sentinel.
@Suite struct PackingKernelTests {
    static let widths = [1, 5, 6, 7, 12, 13, 16, 17, 33]
    static let depths = [1, 7, 8, 9, 16, 100]
    static let guardCount = 40
    /// Marks the floats no pack wrote (a NaN payload; a random source repeats it with odds 2⁻³²).
    static let sentinel: UInt32 = 0x7FC0_BEEF

    /// Which operand: A packs `width` rows into 6-row panels, B `width` columns into 16-column ones.
    enum Operand: CaseIterable { case a, b }

    /// A source of `count` floats that ends exactly where an inaccessible page begins.
    final class GuardedSource {
        let mapping: UnsafeMutableRawPointer
        let mappedBytes: Int
        let floats: UnsafeMutablePointer<Float>

        init(count: Int, generator: inout SeededGenerator) {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let dataPages = (count * MemoryLayout<Float>.stride + page - 1) / page
            mappedBytes = (dataPages + 1) * page
            mapping = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
            precondition(mapping != MAP_FAILED, "mmap failed")
            precondition(mprotect(mapping + dataPages * page, page, PROT_NONE) == 0, "mprotect failed")
            floats = (mapping + dataPages * page).assumingMemoryBound(to: Float.self) - count
            for index in 0..<count { floats[index] = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())) }
        }

        deinit { munmap(mapping, mappedBytes) }
    }

    /// Runs one pack into a buffer pre-filled with the sentinel (panels and guard alike).
    static func pack(_ operand: Operand, _ instructionSet: DNIGEMMInstructionSet, transpose: Bool,
                     width: Int, depth: Int, source: UnsafePointer<Float>, ld: Int) -> [UInt32] {
        let tile = operand == .a ? Int(DNI_GEMM_TILE_ROWS) : Int(DNI_GEMM_TILE_COLUMNS)
        let panelCount = (width + tile - 1) / tile * tile * depth
        var packed = [Float](repeating: Float(bitPattern: sentinel), count: panelCount + guardCount)
        packed.withUnsafeMutableBufferPointer { buffer in
            switch operand {
            case .a: dni_gemm_pack_a(instructionSet, transpose ? 1 : 0, Int64(width), Int64(depth), source, Int64(ld), buffer.baseAddress!)
            case .b: dni_gemm_pack_b(instructionSet, transpose ? 1 : 0, Int64(depth), Int64(width), source, Int64(ld), buffer.baseAddress!)
            }
        }
        return packed.map(\.bitPattern)
    }

    /// Reports the first differing float (index, and whether it lies in the guard) instead of
    /// the whole buffers.
    static func expectEqual(_ actual: [UInt32], _ expected: [UInt32], _ context: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(context)", sourceLocation: sourceLocation)
        let indices = 0..<min(actual.count, expected.count)
        guard let index = indices.first(where: { actual[$0] != expected[$0] }) else { return }
        let place = index >= expected.count - guardCount ? "guard" : "panels"
        Issue.record("\(context): float \(index) (\(place)) is \(actual[index]), expected \(expected[index])",
                     sourceLocation: sourceLocation)
    }

    /// Every case: for A, element (i, p) at i·ld + p (or p·ld + i when transposed); for B,
    /// element (p, j) at p·ld + j (or j·ld + p). The leading dimension exceeds the used width.
    static func forEachCase(_ body: (Operand, Bool, Int, Int, GuardedSource, Int) -> Void) {
        var generator = SeededGenerator(seed: 42)
        for operand in Operand.allCases {
            for transpose in [false, true] {
                for width in widths {
                    for depth in depths {
                        // Stored rows run along the depth when A is not transposed or B is.
                        let alongDepth = (operand == .a) != transpose
                        let ld = (alongDepth ? depth : width) + 3
                        // One past the last element the block holds: the end of the readable memory.
                        let count = alongDepth ? (width - 1) * ld + depth : (depth - 1) * ld + width
                        let source = GuardedSource(count: count, generator: &generator)
                        body(operand, transpose, width, depth, source, ld)
                    }
                }
            }
        }
    }

    @Test func portableMatchesTheDocumentedLayout() {
        Self.forEachCase { operand, transpose, width, depth, source, ld in
            let packed = Self.pack(operand, DNIGEMMInstructionSetPortable, transpose: transpose,
                                   width: width, depth: depth, source: source.floats, ld: ld)
            let tile = operand == .a ? Int(DNI_GEMM_TILE_ROWS) : Int(DNI_GEMM_TILE_COLUMNS)
            var expected: [UInt32] = []
            for panel in 0..<((width + tile - 1) / tile) {
                for p in 0..<depth {
                    for lane in 0..<tile {
                        // `w` is the row of A or the column of B.
                        let w = panel * tile + lane
                        let alongDepth = (operand == .a) != transpose
                        expected.append(w < width ? source.floats[alongDepth ? w * ld + p : p * ld + w].bitPattern : 0)
                    }
                }
            }
            expected += [UInt32](repeating: Self.sentinel, count: Self.guardCount)
            Self.expectEqual(packed, expected, "\(operand) transpose \(transpose) width \(width) depth \(depth)")
        }
    }

    @Test(.enabled(if: dni_cpu_supports_avx2_fma() != 0, "the CPU has no AVX2/FMA"))
    func avx2MatchesPortableBitForBit() {
        Self.forEachCase { operand, transpose, width, depth, source, ld in
            let portable = Self.pack(operand, DNIGEMMInstructionSetPortable, transpose: transpose,
                                     width: width, depth: depth, source: source.floats, ld: ld)
            let avx2 = Self.pack(operand, DNIGEMMInstructionSetAVX2FMA, transpose: transpose,
                                 width: width, depth: depth, source: source.floats, ld: ld)
            Self.expectEqual(avx2, portable, "\(operand) transpose \(transpose) width \(width) depth \(depth)")
        }
    }
}
