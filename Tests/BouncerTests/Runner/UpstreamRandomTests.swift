import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

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
