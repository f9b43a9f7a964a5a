import ArgumentParser
import DNI
import Linalg

extension DNICommand {
    /// `dni info`: the version and the GEMM kernel in use.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the version and the matrix-multiply backend in use.")

        func run() throws {
            print("swift-dni \(DNIVersion.string)")
            print("gemm kernel: \(GEMMEngine.default.kernel.name)")
        }
    }
}
