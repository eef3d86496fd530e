import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct DeterminismTests {
    @Test func theSameScenarioTwiceGivesTheSameTraceByteForByte() {
        for platform in PlatformKind.allCases {
            let scenario = RandomExplorer.scenario(seed: 99, platform: platform, length: 300, profile: .linuxUpstream)
            let a = Runner.run(scenario, profile: .linuxUpstream, tracing: true)
            let b = Runner.run(scenario, profile: .linuxUpstream, tracing: true)
            #expect(a.trace == b.trace)
            #expect(a.violations == b.violations)
            #expect(a.trace.count == a.steps)
        }
    }

    @Test func theSameSeedGeneratesTheSameScenario() {
        let a = RandomExplorer.scenario(seed: 5, platform: .cca, length: 200, profile: .linuxUpstream)
        let b = RandomExplorer.scenario(seed: 5, platform: .cca, length: 200, profile: .linuxUpstream)
        #expect(a == b)
    }
}
