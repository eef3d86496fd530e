import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-STALE under `cve-2024-35814` on pseries-svm, minimised from
/// 4 to 4 operations (from `Corpus/regressions/dma/cve-2024-35814--confStale_cve202435814_pseriesSvm.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/cve-2024-35814--confStale_cve202435814_pseriesSvm.bounce --target dma --profile cve-2024-35814 --name confStale_cve202435814_pseriesSvm`.
/// No byte flows through a bounce slot into a buffer it does not belong to.
/// Found: swiotlb pool 1 (restricted-dma-pool), slot 0: coherent allocation 0 is handed 0x40050000..0x40051000, which reaches this slot, held by mapping 0
@Test func confStale_cve202435814_pseriesSvm() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig(restrictedPool: true)),  // device_add(untrusted, DMA_BIT_MASK(64), restricted-dma-pool)
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 0, direction: .toDevice, skipCpuSync: false),  // dma_map_phys(dev 0, buffer 0 +0, 0, DMA_TO_DEVICE)
        .allocCoherent(device: 0, size: 1, blocking: true),  // dma_alloc_coherent(dev 0, 1, GFP_KERNEL)
    ]
    let profile = Profile.builtIn(named: "cve-2024-35814")!
    let result = Runner.run(Scenario(platform: .pseriesSvm, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confStale, "\(result.violations)")
    #expect(result.steps == operations.count)
}
