import CLinalgKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Spins (with the CPU's pause hint) until `condition` holds, for at most `nanoseconds`; returns
/// whether it held. The first half of a spin-then-sleep wait: on the virtual machines we measure
/// on, waking a sleeping vCPU costs as much as a small matrix product, so a thread that expects
/// its condition soon checks it in a loop before it sleeps. The caller re-checks under its lock
/// before sleeping.
@inline(__always)
public func spinWait(nanoseconds: UInt64, until condition: () -> Bool) -> Bool {
    var start = timespec(), now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    while true {
        for _ in 0..<64 {
            if condition() { return true }
            dni_spin_pause()
        }
        clock_gettime(CLOCK_MONOTONIC, &now)
        let elapsed = (Int64(now.tv_sec) - Int64(start.tv_sec)) * 1_000_000_000 + (Int64(now.tv_nsec) - Int64(start.tv_nsec))
        if elapsed >= Int64(nanoseconds) { return false }
    }
}
