import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-BOUNCE under `virtio-no-access-platform` on sev-snp-vtom, minimised from
/// 1 to 1 operations (from `Corpus/regressions/virtio/virtio-no-access-platform--confBounce_virtioNoAccessPlatform_sevSnpVtom.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/virtio/virtio-no-access-platform--confBounce_virtioNoAccessPlatform_sevSnpVtom.bounce --target virtio --profile virtio-no-access-platform --name confBounce_virtioNoAccessPlatform_sevSnpVtom`.
/// An untrusted device is only handed DMA addresses of memory made shared on purpose.
/// Found: device 0, address written by the transport, dma 0x100010000, page 208 (0x100010000): resolves to a private page held by block 0, not memory shared on purpose
@Test func confBounce_virtioNoAccessPlatform_sevSnpVtom() throws {
    let operations: [GuestOperation] = [
        .virtioProbe(transport: .pci, features: VirtioFeatures(rawValue: 0)),  // virtio_dev_probe(virtio-pci, device offers none)
    ]
    let profile = Profile.builtIn(named: "virtio-no-access-platform")!
    let result = Runner.run(Scenario(platform: .sevSnpVtom, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confBounce, "\(result.violations)")
    #expect(result.steps == operations.count)
}
