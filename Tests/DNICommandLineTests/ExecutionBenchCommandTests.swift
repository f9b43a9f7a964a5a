import DNICommandLine
import Testing

/// `dni bench execution` runs every execution of a method side by side, one pipelined run per
/// delay of `--delays`, and rejects bad options as bad input (status 2). Nothing here is timed:
/// the tests read which runs were made, never how fast.
@Suite struct ExecutionBenchCommandTests {
    @Test func everyDelayGetsItsPipelinedRun() {
        let run = CapturedRun(["bench", "execution", "--methods", "cdni", "--layers", "1", "--batch-sizes", "8", "--steps", "2",
                               "--warmup", "0", "--threads", "2", "--delays", "1,2", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let measurements = run.lines.filter { $0.contains("\"event\":\"execution_bench\"") }
        #expect(measurements.count == 4)
        let pipelined = measurements.filter { $0.contains("\"execution\":\"pipelined\"") }
        #expect(pipelined.count == 2)
        #expect(pipelined.first?.contains("\"delay\":1") == true)
        #expect(pipelined.last?.contains("\"delay\":2") == true)
        // Sequential runs keep the default delay, 1.
        #expect(measurements.filter { $0.contains("\"execution\":\"sequential\"") }.allSatisfy { $0.contains("\"delay\":1") })
    }

    @Test func theDefaultDelayIsOne() {
        let run = CapturedRun(["bench", "execution", "--methods", "cdni", "--layers", "1", "--batch-sizes", "8", "--steps", "1",
                               "--warmup", "0", "--threads", "2", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let pipelined = run.lines.filter { $0.contains("\"execution\":\"pipelined\"") }
        #expect(pipelined.count == 1)
        #expect(pipelined.first?.contains("\"delay\":1") == true)
    }

    @Test func badDelaysAreBadInput() {
        let zero = CapturedRun(["bench", "execution", "--delays", "0"])
        #expect(zero.status == 2)
        #expect(zero.standardError.contains("--delays"))
        #expect(CapturedRun(["bench", "execution", "--delays", "1,x"]).status == 2)
    }

    /// `--unlock forward`: every execution runs the complete unlock, the pipelined one on its
    /// own threads; no model lines (they price the update-unlocked stages only); backprop is refused.
    @Test func theCompleteUnlockRunsUnderEveryExecution() {
        let run = CapturedRun(["bench", "execution", "--methods", "dni", "--layers", "2", "--batch-sizes", "8", "--steps", "2",
                               "--warmup", "1", "--threads", "2", "--unlock", "forward", "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let measurements = run.lines.filter { $0.contains("\"event\":\"execution_bench\"") }
        #expect(measurements.count == 3)
        #expect(measurements.allSatisfy { $0.contains("\"unlock\":\"forward\"") })
        #expect(measurements.filter { $0.contains("\"execution\":\"sequential-unlocked\"") }.count == 2)
        #expect(measurements.filter { $0.contains("\"execution\":\"pipelined-unlocked\"") }.count == 1)
        #expect(!run.lines.contains { $0.contains("execution_model") })
        let backprop = CapturedRun(["bench", "execution", "--methods", "cdni,backprop", "--unlock", "forward"])
        #expect(backprop.status == 2 && backprop.standardError.contains("--unlock forward needs synthesizers"))
    }
}
