// swift-tools-version: 6.1
// Benchmarks of swift-dni, a separate package so that users of the library never resolve the
// benchmark dependency. Run from this directory:
//   swift package benchmark                      # every suite
//   swift package benchmark --target GEMM        # one suite
// One folder per suite under Benchmarks/ (this folder): add a suite as a new executable target
// below, with its sources in ./<SuiteName>/ (the benchmark plugin finds targets whose folder
// sits in a folder named `Benchmarks`).
import PackageDescription

let package = Package(
    name: "swift-dni-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "swift-dni", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: []
)

/// A benchmark suite: an executable target in the folder `name`, run by the benchmark plugin.
func suite(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")] + dependencies,
        path: name,
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

package.targets += [
    // GEMM kernels (built-in packed kernel, system BLAS) on the shapes of a training step.
    suite("GEMM", dependencies: [.product(name: "Linalg", package: "swift-dni")]),
    // One training step of each method (addition and MNIST networks), with malloc counts.
    suite("TrainingStep", dependencies: [
        .product(name: "DNI", package: "swift-dni"), .product(name: "Linalg", package: "swift-dni"),
    ]),
]
