// swift-tools-version: 6.1
// swift-dni: training neural networks with synthetic gradients
// (Decoupled Neural Interfaces, Jaderberg et al. 2016, arXiv:1608.05343).
import PackageDescription

let package = Package(
    name: "swift-dni",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Linalg", targets: ["Linalg"]),
        .library(name: "DNI", targets: ["DNI"]),
        .library(name: "DNIReports", targets: ["DNIReports"]),
        .executable(name: "dni", targets: ["dni"]),
        .library(name: "DNIMPI", targets: ["DNIMPI"]),
    ],
    traits: [
        // Off by default: the default build and tests need no MPI installed. docs/mpi.md.
        .trait(name: "MPI", description: "Message passing between ranks over the system Open MPI (DNIMPI)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Dense row-major Float matrices, GEMM kernels, element-wise kernels, seeded RNG.
        .target(name: "Linalg", dependencies: ["CLinalgKernels"]),
        // The C microkernels that need per-function CPU targets (AVX2/FMA), chosen at run time.
        .target(name: "CLinalgKernels"),
        // SIGINT/SIGTERM handlers for clean interrupts (a signal handler must be C).
        .target(name: "CSignals"),
        // The system zlib, for gzip-compressed IDX files (Linux: zlib1g-dev; macOS: in the SDK).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Layers, losses, optimizers, synthesizers, stages, training methods, data sets.
        // Ships a small MNIST subset (Scripts/make-mnist-subset.py) and a short CC0 text (the
        // character-level language model) for tests and demos.
        .target(
            name: "DNI",
            dependencies: ["Linalg", "CZlib", "CSignals"],
            resources: [.copy("Resources/mnist-subset"), .copy("Resources/text")]
        ),
        // Metrics (JSON Lines) to self-contained HTML reports with inline SVG charts.
        .target(name: "DNIReports"),
        // The commands of the `dni` tool, as a library so that tests can drive them.
        .target(
            name: "DNICommandLine",
            dependencies: [
                "DNI", "DNIReports", "Linalg", "DNIMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "dni", dependencies: ["DNICommandLine"]),
        // The system MPI (Open MPI), imported only by DNIMPI and only with the trait `MPI`.
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"]), .brew(["open-mpi"])]
        ),
        // Ranks, non-blocking messages with deadlines, barrier and broadcast over MPI.
        // Without the trait `MPI` its sources compile to nothing (`#if MPI`).
        .target(name: "DNIMPI", dependencies: ["DNI", "Linalg", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),
        // Runs under mpirun: ping-pong, ring, message costs, and the dead-rank case (docs/mpi.md).
        .executableTarget(name: "dni-mpi-smoke", dependencies: ["DNIMPI"]),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg", "CLinalgKernels"]),
        .testTarget(name: "DNITests", dependencies: ["DNI", "Linalg", "CZlib", "CMallocCounter"]),
        // Test support: per-thread malloc counts, so tests can check that warm steps allocate nothing.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .testTarget(name: "DNICommandLineTests", dependencies: ["DNICommandLine", "DNI"]),
        // Empty without the trait; with it: swift test --traits MPI --filter DNIMPITests.
        .testTarget(name: "DNIMPITests", dependencies: ["DNIMPI"]),
        .testTarget(name: "DNIReportsTests", dependencies: ["DNIReports"], resources: [.copy("Fixtures")]),
    ]
)
