import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: SAFE-LIFECYCLE under `atomic-pool-free-pages-2026` on cca, minimised from
/// 149 to 3 operations (from a reproducer, bouncer-dma-SAFE-LIFECYCLE-f0944503ac32c5cd.bounce). Written again by
/// `bouncer minimize Corpus/regressions/dma/atomic-pool-free-pages-2026--safeLifecycle_atomicPoolFreePages2026_cca.bounce --target dma --profile atomic-pool-free-pages-2026 --name safeLifecycle_atomicPoolFreePages2026_cca`.
/// Every allocation and mapping is accounted for, except memory leaked on purpose.
/// Found: page 192 (0x100000000): freed to the page allocator while atomic pool 2 still lists it in a chunk
@Test func safeLifecycle_atomicPoolFreePages2026_cca() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .dmaAllocPages(device: 0, size: 1, blocking: false),  // dma_alloc_pages(dev 0, 1, GFP_ATOMIC)
        .freeCoherent(coherent: 0),  // dma_free_pages(coherent 0)
    ]
    let profile = Profile.builtIn(named: "atomic-pool-free-pages-2026")!
    let result = Runner.run(Scenario(platform: .cca, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .safeLifecycle, "\(result.violations)")
    #expect(result.steps == operations.count)
}
