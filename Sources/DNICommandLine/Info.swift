import ArgumentParser
import DNI
import Linalg

extension DNICommand {
    /// `dni info`: the version, the GEMM kernel in use and the system BLAS found.
    struct Info: OutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the version and the matrix-multiply backend in use.")

        func run() throws {
            try run(output: .process)
        }

        func run(output: CommandOutput) throws {
            let print = output.line
            let engine = GEMMEngine.default
            print("swift-dni \(DNIVersion.string)")
            print("gemm kernel: \(engine.kernel.name)")
            if let packed = engine.kernel as? PackedGEMM {
                print("gemm microkernel: \(packed.instructionSet.microkernelDescription) (cpu supports avx2+fma: \(GEMMInstructionSet.avx2FMA.isSupported ? "yes" : "no"))")
                print("gemm threads: \(packed.threads)")
            }
            if let note = engine.selectionNote { print("gemm note: \(note)") }
            print("system blas: \(GEMMEngine.systemBLAS?.libraryPath ?? "not found")")
        }
    }
}
