import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-BOUNCE under `linux-upstream` on cca, minimised from
/// 1 to 1 operations (from `Corpus/regressions/system/linux-upstream--confBounce_virtioWithoutAccessPlatform_cca.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/system/linux-upstream--confBounce_virtioWithoutAccessPlatform_cca.bounce --target system --profile linux-upstream --name confBounce_virtioWithoutAccessPlatform_cca`.
/// An untrusted device is only handed DMA addresses of memory made shared on purpose.
/// Found: device 0, address written by the transport, dma 0x100010000: an untrusted device was given the encrypted (private) alias of guest memory
/// An open finding against a profile believed correct: once the kernel (model) is fixed the
/// known issue stops happening and this test fails: then remove the `withKnownIssue` wrapper.
@Test func confBounce_virtioWithoutAccessPlatform_cca() throws {
    let operations: [GuestOperation] = [
        .virtioProbe(transport: .pci, features: VirtioFeatures(rawValue: 0)),  // virtio_dev_probe(virtio-pci, device offers none)
    ]
    let profile = Profile.builtIn(named: "linux-upstream")!
    let result = Runner.run(Scenario(platform: .cca, operations: operations), profile: profile)
    withKnownIssue("open finding: CONF-BOUNCE under linux-upstream") {
        #expect(result.violations.isEmpty, "\(result.violations)")
    }
}
