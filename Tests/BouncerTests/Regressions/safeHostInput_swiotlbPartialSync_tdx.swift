import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: SAFE-HOSTINPUT under `swiotlb-partial-sync` on tdx, minimised from
/// 4 to 4 operations (from `Corpus/regressions/dma/swiotlb-partial-sync--safeHostInput_swiotlbPartialSync_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/swiotlb-partial-sync--safeHostInput_swiotlbPartialSync_tdx.bounce --target dma --profile swiotlb-partial-sync --name safeHostInput_swiotlbPartialSync_tdx`.
/// No host-controlled value makes the guest copy out of bounds.
/// Found: mapping 0, slot 0x40000000: swiotlb_bounce copied 3 bytes from the slot at original 0x100010000, outside the mapping 0x100010000+1
@Test func safeHostInput_swiotlbPartialSync_tdx() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),  // dma_map_phys(dev 0, buffer 0 +0, 1, DMA_FROM_DEVICE)
        .syncForCpu(mapping: 0, offset: 0, size: 3),  // dma_sync_single_range_for_cpu(mapping 0, +0, 3)
    ]
    let profile = Profile.builtIn(named: "swiotlb-partial-sync")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .safeHostInput, "\(result.violations)")
    #expect(result.steps == operations.count)
}
