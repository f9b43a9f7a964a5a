#if MPI
import DNIMPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every rank exchanges 64 Ki floats with every other rank each step (large enough that a send
/// waits for its receiver). At step 20 the victim (`--victim R`, default the last rank) stops
/// half-way through its sends: `--mode exit` ends it with `_exit(3)` (a crash), `--mode hang`
/// blocks it for good (a rank that stops answering). The others must then fail: either mpirun
/// ends them, or their wait times out after `--timeout S` seconds (default 3) and they abort
/// the job naming the victim. Returning normally is a failure of the test.
func runDeadRank(_ communicator: MPICommunicator, arguments: SmokeArguments) throws(MPIError) {
    let rank = communicator.rank
    let size = communicator.size
    let victim = arguments.integer("victim", size - 1)
    let mode = arguments.options["mode"] ?? "exit"
    let timeout = Duration.milliseconds(Int(arguments.real("timeout", 3) * 1000))
    let deathStep = 20
    let count = 65_536
    let peers = (0..<size).filter { $0 != rank }
    let outgoing = peers.map { _ in MPIMessageBuffer(capacity: count) }
    let incoming = peers.map { _ in MPIMessageBuffer(capacity: count) }
    var requests: [MPIRequest] = []
    requests.reserveCapacity(2 * peers.count)
    if rank == 0 { say("dead-rank: \(size) ranks, rank \(victim) stops (\(mode)) at step \(deathStep), timeout \(timeout.seconds) s") }
    for step in 0..<1000 {
        requests.removeAll(keepingCapacity: true)
        for (index, peer) in peers.enumerated() {
            requests.append(try communicator.receive(into: incoming[index], from: peer, tag: 40))
        }
        for (index, peer) in peers.enumerated() {
            if rank == victim, step == deathStep, index == peers.count / 2 {
                var now = timespec()
                clock_gettime(CLOCK_REALTIME, &now)
                let stamp = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
                say("dead-rank: rank \(rank) stops (\(mode)) at step \(step) at unix time \(stamp.formatted(decimals: 3))")
                if mode == "hang" {
                    while true { sleep(60) }
                }
                _exit(3)
            }
            outgoing[index].header = MPIMessageHeader(batch: Int64(step), kind: SmokeKind.ring, count: Int32(count))
            outgoing[index].payload[0] = Float(rank)
            requests.append(try communicator.send(outgoing[index], to: peer, tag: 40))
        }
        try communicator.wait(all: requests, timeout: timeout)
        for (index, peer) in peers.enumerated() where incoming[index].payload[0] != Float(peer) {
            throw .invalidArgument("rank \(rank): step \(step): wrong message from rank \(peer)")
        }
    }
    throw .invalidArgument("rank \(rank): the dead-rank exchange finished: rank \(victim) never stopped")
}
#endif
