import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct TransportExplorationTests {
    /// Long random sequences over every transport with a hostile host: clean on the platforms
    /// without a known finding (pKVM and s390 PV share in place; CCA, pKVM and pseries accept
    /// virtio without ACCESS_PLATFORM).
    @Test(arguments: [PlatformKind.nonConfidential, .tdx, .sevSnp, .sevSnpVtom])
    func longRandomRunsAreClean(_ platform: PlatformKind) {
        for seed: UInt64 in 1 ... 40 {
            let (r, scenario) = RandomExplorer.explore(seed: seed, platform: platform, length: 300, profile: .linuxUpstream, transports: true)
            let ops = scenario.operations
            #expect(r.violations.isEmpty, "seed \(seed): \(r.violations)")
            #expect(ops.count == 300)
            #expect(ops.filter { ScenarioCodec.narrowestTarget(for: Scenario(platform: platform, operations: [$0])) != .dma }.count > 10)
        }
    }
}
