import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-FREELIST under `cve-2024-35939` on tdx, minimised from
/// 3 to 3 operations (from `Corpus/regressions/dma/cve-2024-35939--confFreelist_cve202435939_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/cve-2024-35939--confFreelist_cve202435939_tdx.bounce --target dma --profile cve-2024-35939 --name confFreelist_cve202435939_tdx`.
/// No shared or unknown page is ever on the free list.
/// Found: page 208 (0x100010000): an unknown page was put back on the free list
@Test func confFreelist_cve202435939_tdx() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .failNextConversion(afterPages: 0),  // host fails the next page conversion after 0 page(s)
        .allocCoherent(device: 0, size: 1, blocking: true),  // dma_alloc_coherent(dev 0, 1, GFP_KERNEL)
    ]
    let profile = Profile.builtIn(named: "cve-2024-35939")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confFreelist, "\(result.violations)")
    #expect(result.steps == operations.count)
}
