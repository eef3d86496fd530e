import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: DATA-INTEGRITY under `atomic-pool-alloc-pages-2026` on sev-snp, minimised from
/// 204 to 2 operations (from a reproducer, bouncer-dma-DATA-INTEGRITY-24d504fe1896ad17.bounce). Written again by
/// `bouncer minimize Corpus/regressions/dma/atomic-pool-alloc-pages-2026--dataIntegrity_atomicPoolAllocPages2026_sevSnp.bounce --target dma --profile atomic-pool-alloc-pages-2026 --name dataIntegrity_atomicPoolAllocPages2026_sevSnp`.
/// After a transfer the guest reads what the device wrote, and its own bytes elsewhere.
/// Found: device 0, coherent 0 (dma_alloc_pages), dma 0x100000000: the device was given 0x100000000, the caller holds no page of guest memory
@Test func dataIntegrity_atomicPoolAllocPages2026_sevSnp() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .dmaAllocPages(device: 0, size: 1, blocking: false),  // dma_alloc_pages(dev 0, 1, GFP_ATOMIC)
    ]
    let profile = Profile.builtIn(named: "atomic-pool-alloc-pages-2026")!
    let result = Runner.run(Scenario(platform: .sevSnp, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .dataIntegrity, "\(result.violations)")
    #expect(result.steps == operations.count)
}
