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
}
