#if MPI
import DNIMPI

/// Round trips between ranks 0 and 1 at several sizes (other ranks wait at the final barrier):
/// prints, per size, the mean round trip and the one-way time per MB (10⁶ bytes of payload),
/// best of three repeats. `--rounds N` sets the small-message round trips (default 20000).
func runBenchmark(_ communicator: MPICommunicator, arguments: SmokeArguments) throws(MPIError) {
    let rank = communicator.rank
    guard rank < 2 else { return }
    let smallRounds = arguments.integer("rounds", 20_000)
    let timeout = Duration.seconds(10)
    if rank == 0 {
        say("bench: ranks 0 (\(communicator.processorName)) and 1, round trips of header + payload, best of 3 repeats")
        say("payload floats    bytes   round trips   round trip µs   one-way ms per MB")
    }
    for count in [1, 256, 16_384, 262_144, 1_048_576] {
        let bytes = MPIMessageHeader.byteCount + 4 * count
        let rounds = max(20, min(smallRounds, 200_000_000 / bytes))
        let outgoing = MPIMessageBuffer(capacity: count)
        let incoming = MPIMessageBuffer(capacity: count)
        outgoing.header = MPIMessageHeader(batch: 0, kind: SmokeKind.ping, count: Int32(count))
        var best = Double.infinity
        for repeatIndex in 0...3 {
            // Repeat 0 warms up connections and caches and is not counted.
            let measured = repeatIndex == 0 ? max(1, rounds / 10) : rounds
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<measured {
                if rank == 0 {
                    let receive = try communicator.receive(into: incoming, from: 1, tag: 31)
                    let send = try communicator.send(outgoing, to: 1, tag: 30)
                    try send.wait(timeout: timeout)
                    try receive.wait(timeout: timeout)
                } else {
                    let receive = try communicator.receive(into: incoming, from: 0, tag: 30)
                    try receive.wait(timeout: timeout)
                    let send = try communicator.send(outgoing, to: 0, tag: 31)
                    try send.wait(timeout: timeout)
                }
            }
            if repeatIndex > 0 { best = min(best, (clock.now - start).seconds / Double(measured)) }
        }
        if rank == 0 {
            let roundTrip = best * 1e6
            let perMegabyte = best / 2 / (Double(bytes) / 1e6) * 1e3
            say(pad(String(count), 14) + pad(String(bytes), 9) + pad(String(rounds), 14)
                + pad(roundTrip.formatted(decimals: 2), 16)
                + pad(bytes >= 65_536 ? perMegabyte.formatted(decimals: 3) : "-", 20))
        }
    }
}

/// `text` right-aligned in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

extension Duration {
    /// This duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

extension Double {
    /// The value with `decimals` digits after the point.
    func formatted(decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((self * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(abs(scaled) % Int(scale))
        return String(whole) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
#endif
