import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression (written by `bouncer minimize`): CONF-BOUNCE under `virtio-no-access-platform` on sev-snp-vtom,
/// from `/tmp/find/virtio-no-access-platform/out/crash-5966d9d7b3c18448b92fa54bf798d1314507686a`, minimised from 1 to 1 operations.
/// An untrusted device is only handed DMA addresses of memory made shared on purpose.
/// Found: device 0, address written by the transport, dma 0x100010000, page 208 (0x100010000): resolves to a private page held by block 0, not memory shared on purpose
@Test func confBounce_virtioNoAccessPlatform_sevSnpVtom() throws {
    let operations: [Operation] = [
        .virtioProbe(transport: .pci, features: VirtioFeatures(rawValue: 1)),  // virtio_dev_probe(virtio-pci, device offers VERSION_1)
    ]
    let profile = Profile.builtIn(named: "virtio-no-access-platform")!
    let result = Runner.run(Scenario(platform: .sevSnpVtom, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confBounce, "\(result.violations)")
    #expect(result.steps == operations.count)
}
