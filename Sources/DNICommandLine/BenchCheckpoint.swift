import ArgumentParser
import DNI
import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension DNICommand.Bench {
    /// `dni bench checkpoint`: what checkpoints cost a run — the size and write time of one, and
    /// the throughput of training that saves every N steps against the same training without.
    struct CheckpointBenchmark: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Time checkpoint writes and their cost on MNIST training throughput, side by side.",
            discussion: """
                Trains the paper's MNIST network (--method, default dni: 3×256 with 2×1024 \
                synthesizers) for --steps timed steps after --warmup untimed ones, without \
                checkpoints and with --save-every, alternating round after round (--repeat \
                rounds; the best round of each is reported). Prints samples per second of each, \
                their ratio, the checkpoint's size, the mean seconds per write on the writer thread \
                (checksums, temporary file, fsync, rename, fsync of the directory) and per save on \
                the training thread (the snapshot, and waiting for the previous write), as dni train \
                --checkpoint saves. Checkpoints go to a temporary file in --directory, removed at the end.
                """)

        @Option(help: "The method.")
        var method: TrainingMethod = .dni

        @Option(help: "Timed steps per run.")
        var steps = 1000

        @Option(help: "Untimed warm-up steps per run.")
        var warmup = 20

        @Option(help: "Save every this many steps in the runs with checkpoints.")
        var saveEvery = 500

        @Option(name: .customLong("repeat"), help: "Rounds; the best round of each variant is reported.")
        var repeats = 2

        @Option(help: "Threads for matrix products.")
        var threads = 1

        @Option(help: "MNIST directory (default: $DNI_DATA, then the bundled subset).")
        var data: String?

        @Option(help: "Where the checkpoints are written.")
        var directory = "."

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            guard steps >= 1, warmup >= 0, repeats >= 1, saveEvery >= 1, (1...256).contains(threads) else {
                throw InputError("--steps, --save-every and --repeat must be at least 1, --warmup at least 0, --threads in 1...256")
            }
            let path = directory + "/.dni-bench-checkpoint-\(getpid()).dni"
            try ReportDestination.checkWritable(path, flag: "--directory")
            defer { unlink(path) }
            let mnist = try MNISTDataset.load(directory: data)
            var experiment = MNISTExperiment(method: method)
            experiment.epochs = 1_000
            let settings = ExecutionSettings(kind: .sequential, threads: threads)
            var plain = 0.0, saving = 0.0
            var writeSeconds = 0.0, snapshotSeconds = 0.0, writes = 0.0
            for _ in 0..<repeats {
                let without = try experiment.run(on: mnist, maxSteps: steps, warmupSteps: warmup, execution: settings)
                plain = max(plain, without.samplesPerSecond)
                // As `dni train --checkpoint` saves: a snapshot on the training thread, the write
                // (checksums, write, fsync, rename) on a thread of its own.
                let writer = BackgroundCheckpointWriter(path: path, header: Array("{}".utf8))
                let plan = CheckpointPlan(saveEvery: saveEvery) { tree in try writer.save(tree) }
                let with = try experiment.run(on: mnist, maxSteps: steps, warmupSteps: warmup, execution: settings,
                                              checkpoints: plan)
                try writer.finish()
                saving = max(saving, with.samplesPerSecond)
                let statistics = Dictionary(with.executorStatistics.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
                snapshotSeconds += statistics["checkpoint_seconds"] ?? 0
                writeSeconds += writer.writeSeconds
                writes += Double(writer.writes)
            }
            var status = stat()
            let bytes = stat(path, &status) == 0 ? Int(status.st_size) : 0
            let secondsPerWrite = writes > 0 ? writeSeconds / writes : 0
            let secondsPerSnapshot = writes > 0 ? snapshotSeconds / writes : 0
            if json {
                var line = JSONLine(event: "checkpoint_bench")
                line.append("method", .string(method.rawValue))
                line.append("steps", .integer(steps))
                line.append("save_every", .integer(saveEvery))
                line.append("samples_per_second", plain)
                line.append("samples_per_second_saving", saving)
                line.append("ratio", saving / plain)
                line.append("checkpoint_bytes", .integer(bytes))
                line.append("seconds_per_write", secondsPerWrite)
                line.append("training_thread_seconds_per_save", secondsPerSnapshot)
                print(line.description)
            } else {
                print("MNIST \(method.rawValue), \(steps) timed steps after \(warmup), \(threads) thread(s), best of \(repeats) round(s)")
                print("without checkpoints: \(Int(plain.rounded())) samples/s")
                print("saving every \(saveEvery) steps: \(Int(saving.rounded())) samples/s (\(fixedDecimals(saving / plain, 3))×)")
                print("checkpoint: \(fixedDecimals(Double(bytes) / 1_000_000, 1)) MB, \(fixedDecimals(secondsPerWrite, 3)) s per write "
                      + "on the writer thread (mean of \(Int(writes))), \(fixedDecimals(secondsPerSnapshot, 3)) s on the training thread")
            }
        }
    }
}
