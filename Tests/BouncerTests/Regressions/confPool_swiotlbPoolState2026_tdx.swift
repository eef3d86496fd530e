import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-POOL under `swiotlb-pool-state-2026` on tdx, minimised from
/// 2 to 2 operations (from `Corpus/regressions/dma/swiotlb-pool-state-2026--confPool_swiotlbPoolState2026_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/swiotlb-pool-state-2026--confPool_swiotlbPoolState2026_tdx.bounce --target dma --profile swiotlb-pool-state-2026 --name confPool_swiotlbPoolState2026_tdx`.
/// A pool's encryption state matches every request it serves.
/// Found: swiotlb pool 1, page 112 (0x40050000): served a request for private memory from a shared page
@Test func confPool_swiotlbPoolState2026_tdx() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig(trusted: true, restrictedPool: true)),  // device_add(trusted, DMA_BIT_MASK(64), restricted-dma-pool)
        .allocCoherent(device: 0, size: 1, blocking: true),  // dma_alloc_coherent(dev 0, 1, GFP_KERNEL)
    ]
    let profile = Profile.builtIn(named: "swiotlb-pool-state-2026")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confPool, "\(result.violations)")
    #expect(result.steps == operations.count)
}
