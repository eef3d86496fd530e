import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-FREELIST under `dma-direct-reencrypt-2022` on tdx, minimised from
/// 4 to 4 operations (from `Corpus/regressions/dma/dma-direct-reencrypt-2022--confFreelist_dmaDirectReencrypt2022_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/dma-direct-reencrypt-2022--confFreelist_dmaDirectReencrypt2022_tdx.bounce --target dma --profile dma-direct-reencrypt-2022 --name confFreelist_dmaDirectReencrypt2022_tdx`.
/// No shared or unknown page is ever on the free list.
/// Found: page 208 (0x100010000): an unknown page was put back on the free list
@Test func confFreelist_dmaDirectReencrypt2022_tdx() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .allocCoherent(device: 0, size: 1, blocking: true),  // dma_alloc_coherent(dev 0, 1, GFP_KERNEL)
        .failNextConversion(afterPages: 0),  // host fails the next page conversion after 0 page(s)
        .unbind(device: 0),  // driver remove(dev 0)
    ]
    let profile = Profile.builtIn(named: "dma-direct-reencrypt-2022")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confFreelist, "\(result.violations)")
    #expect(result.steps == operations.count)
}
