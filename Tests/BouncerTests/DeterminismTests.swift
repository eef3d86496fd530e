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

/// Long random sequences under `linux-upstream` with a hostile host raise nothing on the
/// platforms whose conversions give the host a different page (the share-in-place platforms
/// have their own finding above).
@Suite struct UpstreamRandomTests {
    @Test(arguments: [PlatformKind.nonConfidential, .tdx, .sevSnp, .sevSnpVtom, .cca, .pseriesSvm])
    func randomSequencesRaiseNoViolation(_ platform: PlatformKind) {
        for seed in UInt64(1) ... 60 {
            let (result, _) = RandomExplorer.explore(seed: seed, platform: platform, length: 200, profile: .linuxUpstream)
            if let v = result.firstViolation {
                Issue.record("seed \(seed): \(v)")
                return
            }
        }
    }
}
