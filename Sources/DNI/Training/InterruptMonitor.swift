import CSignals

/// Turns Ctrl-C (SIGINT) and SIGTERM into a clean stop: the trainer finishes the step it is in,
/// evaluates, and returns the summary so far; the CLI prints it and exits 130 or 143. A second
/// signal ends the process at once (130 for a second Ctrl-C).
///
/// The handler (in the C target `CSignals`) records the first signal in a lock-free atomic;
/// this type only reads it, between steps (``TrainingOptions/interruptMonitor``). Signals are
/// process-wide, so every monitor sees the same flag; it holds no state of its own. Until
/// ``installHandlers()`` is called (the `dni` executable does, first thing), no signal is caught
/// and ``shouldStop`` stays false: a library user or a test process keeps its own Ctrl-C.
public struct InterruptMonitor: Sendable, Equatable {
    /// A monitor of the process's stop signals.
    public init() {}

    /// Installs the handlers for SIGINT and SIGTERM and unblocks both signals (once per process
    /// is enough; again is harmless). Returns false if the system refused.
    @discardableResult
    public static func installHandlers() -> Bool {
        csignals_install() == 0
    }

    /// The first stop signal received (2 for SIGINT, 15 for SIGTERM), or nil.
    public var receivedSignal: Int32? {
        let signal = csignals_received()
        return signal == 0 ? nil : signal
    }

    /// Whether a stop was asked for: the trainer polls this between steps.
    public var shouldStop: Bool { csignals_received() != 0 }

    /// The shell's exit status for the signal received (128 + its number: 130, 143), or nil.
    public var exitStatus: Int32? { receivedSignal.map { 128 + $0 } }

    /// `SIGINT`, `SIGTERM` (or `signal N`) for the signal received, or nil.
    public var signalName: String? {
        receivedSignal.map { signal in
            switch signal {
            case 2: "SIGINT"
            case 15: "SIGTERM"
            default: "signal \(signal)"
            }
        }
    }
}

/// A run stopped by SIGINT or SIGTERM after printing its summary so far; the CLI exits with
/// ``exitStatus`` (130 or 143).
public struct TrainingInterrupted: Error, CustomStringConvertible, Sendable, Equatable {
    /// 128 + the signal's number.
    public var exitStatus: Int32
    /// One line saying what stopped the run and what was kept.
    public var description: String

    /// The interruption that `monitor` saw, or nil when none.
    public init?(_ monitor: InterruptMonitor) {
        guard let exitStatus = monitor.exitStatus, let name = monitor.signalName else { return nil }
        self.exitStatus = exitStatus
        self.description = "interrupted by \(name): training stopped between steps; the summary covers the steps done"
    }
}

extension TrainingOptions {
    /// Whether the run was asked to stop (by ``interruptMonitor``) and should end after this step.
    var shouldStop: Bool { interruptMonitor?.shouldStop ?? false }
}
