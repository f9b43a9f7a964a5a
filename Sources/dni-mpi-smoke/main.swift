// dni-mpi-smoke: checks the DNIMPI transport under mpirun (docs/mpi.md).
//
//   mpirun -np 2 dni-mpi-smoke check        # broadcast, barrier, ping-pong and ring with content checks
//   mpirun -np 2 dni-mpi-smoke bench        # round-trip latency and time per MB between ranks 0 and 1
//   mpirun -np 3 dni-mpi-smoke dead-rank [--victim R] [--mode exit|hang] [--timeout S]
//                                           # rank R dies (_exit) or hangs mid-exchange: every rank
//                                           # must end non-zero with a line naming R, never hang
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if MPI
import DNIMPI

/// The command line of one rank: a mode and `--name value` options.
struct SmokeArguments {
    /// check, bench or dead-rank.
    var mode = "check"
    /// The options after the mode.
    var options: [String: String] = [:]

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        if let first = rest.first, !first.hasPrefix("--") { mode = first; rest = rest.dropFirst() }
        while let name = rest.first, name.hasPrefix("--") {
            rest = rest.dropFirst()
            options[String(name.dropFirst(2))] = rest.first ?? ""
            rest = rest.dropFirst()
        }
    }

    /// The integer option `name`, or `fallback`.
    func integer(_ name: String, _ fallback: Int) -> Int { options[name].flatMap { Int($0) } ?? fallback }
    /// The real option `name`, or `fallback`.
    func real(_ name: String, _ fallback: Double) -> Double { options[name].flatMap { Double($0) } ?? fallback }
}

/// Writes `line` to standard output at once (ranks share the terminal through mpirun).
func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
}

/// Runs the mode on this rank; any MPIError ends the whole job through MPI_Abort.
func runSmoke() -> Int32 {
    let arguments = SmokeArguments(CommandLine.arguments)
    let communicator: MPICommunicator
    do {
        communicator = try MPICommunicator()
    } catch {
        say("dni-mpi-smoke: \(error)")
        return 1
    }
    guard communicator.size >= 2 else {
        say("dni-mpi-smoke: needs at least 2 ranks (mpirun -np 2 …), got \(communicator.size)")
        try? communicator.finalize()
        return 2
    }
    do throws(MPIError) {
        switch arguments.mode {
        case "check": try runChecks(communicator)
        case "bench": try runBenchmark(communicator, arguments: arguments)
        case "dead-rank": try runDeadRank(communicator, arguments: arguments)
        default:
            if communicator.rank == 0 { say("dni-mpi-smoke: unknown mode \(arguments.mode) (check, bench, dead-rank)") }
            try communicator.finalize()
            return 2
        }
        try communicator.barrier(timeout: .seconds(5))
        try communicator.finalize()
        return 0
    } catch {
        communicator.abort(code: 2, message: "dni-mpi-smoke \(arguments.mode): \(error)")
    }
}

exit(runSmoke())
#else
print("dni-mpi-smoke: built without the package trait MPI (swift build --traits MPI); see docs/mpi.md")
exit(1)
#endif
