import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression (written by `bouncer minimize`): CONF-BOUNCE under `linux-upstream` on cca,
/// from `/tmp/repro/linux-upstream-CONF-BOUNCE-cca-system-seed125.bounce`, minimised from 99 to 1 operations.
/// An untrusted device is only handed DMA addresses of memory made shared on purpose.
/// Found: device 0, address written by the transport, dma 0x100010000: an untrusted device was given the encrypted (private) alias of guest memory
/// An open finding against a profile believed correct: once the kernel (model) is fixed the
/// known issue stops happening and this test fails: then remove the `withKnownIssue` wrapper.
@Test func confBounce_virtioWithoutAccessPlatform_cca() throws {
    let operations: [Operation] = [
        .virtioProbe(transport: .pci, features: VirtioFeatures(rawValue: 1)),  // virtio_dev_probe(virtio-pci, device offers VERSION_1)
    ]
    let profile = Profile.builtIn(named: "linux-upstream")!
    let result = Runner.run(Scenario(platform: .cca, operations: operations), profile: profile)
    withKnownIssue("open finding: CONF-BOUNCE under linux-upstream") {
        #expect(result.violations.isEmpty, "\(result.violations)")
    }
}
