import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: DATA-INTEGRITY under `swiotlb-sync-bidi-2022` on tdx, minimised from
/// 6 to 6 operations (from `Corpus/regressions/dma/swiotlb-sync-bidi-2022--dataIntegrity_swiotlbSyncBidi2022_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/swiotlb-sync-bidi-2022--dataIntegrity_swiotlbSyncBidi2022_tdx.bounce --target dma --profile swiotlb-sync-bidi-2022 --name dataIntegrity_swiotlbSyncBidi2022_tdx`.
/// After a transfer the guest reads what the device wrote, and its own bytes elsewhere.
/// Found: mapping 0 (DMA_FROM_DEVICE), byte 0 of 0x100010000: the CPU reads zero where it should read host write #1
@Test func dataIntegrity_swiotlbSyncBidi2022_tdx() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),  // dma_map_phys(dev 0, buffer 0 +0, 1, DMA_FROM_DEVICE)
        .deviceWrite(mapping: 0, offset: 0, size: 1),  // device writes mapping 0 [0, +1)
        .syncForDevice(mapping: 0, offset: 0, size: 1),  // dma_sync_single_range_for_device(mapping 0, +0, 1)
        .unbind(device: 0),  // driver remove(dev 0)
    ]
    let profile = Profile.builtIn(named: "swiotlb-sync-bidi-2022")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .dataIntegrity, "\(result.violations)")
    #expect(result.steps == operations.count)
}
