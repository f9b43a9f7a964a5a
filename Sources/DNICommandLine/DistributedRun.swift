import DNI
import Linalg
#if MPI
import DNIMPI
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` with the execution `settings`; under `--execution mpi`, as one rank of an MPI job
/// (started by `mpirun`, docs/mpi.md): MPI is initialised, the settings get the
/// ``MPIExecutorFactory``, only rank 0 writes to `output`, and the job ends with a barrier and
/// `MPI_Finalize`. A rank that fails prints one line and ends every rank (`MPI_Abort`) with the
/// exit status of its error; a rank that stops answering is named by the others within
/// `DNI_MPI_TIMEOUT` seconds (default 6).
func runDistributed(_ settings: ExecutionSettings, output: CommandOutput,
                    _ body: (ExecutionSettings, CommandOutput) throws -> Void) throws {
    guard settings.kind == .mpi else {
        try body(settings, output)
        return
    }
    #if MPI
    let communicator: MPICommunicator
    do {
        communicator = try MPICommunicator()
    } catch {
        throw ExecutionFailure("MPI could not start: \(error)")
    }
    let seconds = environmentValue("DNI_MPI_TIMEOUT").flatMap { Double($0) } ?? 6
    let timeout = Duration.milliseconds(Int64(max(0.1, seconds) * 1000))
    var settings = settings
    settings.distributed = MPIExecutorFactory(communicator: communicator, timeout: timeout)
    let silent = CommandOutput(result: { _ in }, diagnostic: { _ in })
    do {
        try body(settings, communicator.rank == 0 ? output : silent)
        try communicator.barrier(timeout: timeout)
        try communicator.finalize()
    } catch {
        let status: Int32 = error is InputError ? 2 : 1
        let prefix = error is TrainingFailure ? "dni: training failed: " : "dni: "
        communicator.abort(code: status, message: prefix + "\(error)")
    }
    #else
    throw InputError("--execution mpi needs a build with the MPI trait (swift build --traits MPI; docs/mpi.md), run under mpirun")
    #endif
}
