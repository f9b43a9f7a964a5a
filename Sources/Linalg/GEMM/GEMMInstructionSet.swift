import CLinalgKernels

/// The instruction set a ``PackedGEMM`` microkernel is written for.
///
/// The AVX2/FMA microkernel is compiled with a per-function target attribute in the C target
/// `CLinalgKernels`, so the package builds for the plain x86-64 baseline and picks the fast
/// kernel at run time, after asking the CPU.
public enum GEMMInstructionSet: String, Sendable, CaseIterable {
    /// Plain C compiled for the baseline (SSE2 on x86-64, NEON on arm64).
    case portable
    /// 256-bit AVX2 vectors with fused multiply-add (x86-64 CPUs since Haswell / Zen).
    case avx2FMA = "avx2+fma"

    /// The fastest instruction set this CPU supports (asked once per process).
    public static let best: GEMMInstructionSet = dni_cpu_supports_avx2_fma() != 0 ? .avx2FMA : .portable

    /// How the microkernel runs here, for `dni info` and benchmarks: the instruction set's name,
    /// and for AVX2/FMA on a CPU with AVX-512F, that full tiles run on the bit-identical
    /// 512-bit kernel.
    public var microkernelDescription: String {
        self == .avx2FMA && dni_cpu_supports_avx512f() != 0 ? "\(rawValue) (full tiles on avx512f)" : rawValue
    }

    /// Whether the CPU running this process can execute this instruction set.
    public var isSupported: Bool {
        switch self {
        case .portable: true
        case .avx2FMA: Self.best == .avx2FMA
        }
    }

    /// The matching value of the C enumeration.
    var cValue: DNIGEMMInstructionSet {
        switch self {
        case .portable: DNIGEMMInstructionSetPortable
        case .avx2FMA: DNIGEMMInstructionSetAVX2FMA
        }
    }
}
