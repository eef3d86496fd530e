import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct SeedScenarioTests {
    @Test func everySeedRunsCleanUnderUpstreamAndSurvivesEncoding() {
        for (name, scenario) in SeedScenarios.dma {
            let result = Runner.run(scenario, profile: .linuxUpstream, tracing: true)
            #expect(result.violations.isEmpty, "\(name): \(result.violations)")
            #expect(!result.trace.contains { $0.hasSuffix("-- skipped") }, "\(name): \(result.trace)")
            #expect(ScenarioCodec.decode(ScenarioCodec.encode(scenario)) == scenario, "\(name)")
        }
    }
}
