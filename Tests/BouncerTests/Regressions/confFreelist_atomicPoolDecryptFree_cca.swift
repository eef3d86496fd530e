import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-FREELIST under `atomic-pool-decrypt-free` on cca, minimised from
/// 360 to 4 operations (from a reproducer, bouncer-dma-CONF-FREELIST-ecce72e762ad89e.bounce). Written again by
/// `bouncer minimize Corpus/regressions/dma/atomic-pool-decrypt-free--confFreelist_atomicPoolDecryptFree_cca.bounce --target dma --profile atomic-pool-decrypt-free --name confFreelist_atomicPoolDecryptFree_cca`.
/// No shared or unknown page is ever on the free list.
/// Found: page 208 (0x100010000): an unknown page was put back on the free list
@Test func confFreelist_atomicPoolDecryptFree_cca() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .failNextConversion(afterPages: 0),  // host fails the next page conversion after 0 page(s)
        .allocCoherent(device: 0, size: 1, blocking: false),  // dma_alloc_coherent(dev 0, 1, GFP_ATOMIC)
        .runDeferredWork,  // workqueue: atomic_pool_work_fn, swiotlb_dyn_alloc
    ]
    let profile = Profile.builtIn(named: "atomic-pool-decrypt-free")!
    let result = Runner.run(Scenario(platform: .cca, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confFreelist, "\(result.violations)")
    #expect(result.steps == operations.count)
}
