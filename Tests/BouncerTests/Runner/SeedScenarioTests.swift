import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct SeedScenarioTests {
    /// A seed that turns pseries secure at runtime runs under seed 003's profile, the one kernel
    /// state where that transition happens (mainline pseries is secure from `prom_init`).
    @Test func everySeedRunsCleanUnderUpstreamAndSurvivesEncoding() {
        for (name, scenario) in SeedScenarios.dma {
            let late = scenario.operations.contains(.enterSecureMode)
            let result = Runner.run(scenario, profile: late ? profile("pseries-late-secure-seed003") : .linuxUpstream, tracing: true)
            #expect(result.violations.isEmpty, "\(name): \(result.violations)")
            #expect(!result.trace.contains { $0.hasSuffix("-- skipped") }, "\(name): \(result.trace)")
            #expect(ScenarioCodec.decode(ScenarioCodec.encode(scenario)) == scenario, "\(name)")
        }
    }
}
