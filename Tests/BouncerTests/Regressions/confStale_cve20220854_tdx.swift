import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-STALE under `cve-2022-0854` on tdx, minimised from
/// 5 to 5 operations (from `Corpus/regressions/dma/cve-2022-0854--confStale_cve20220854_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/cve-2022-0854--confStale_cve20220854_tdx.bounce --target dma --profile cve-2022-0854 --name confStale_cve20220854_tdx`.
/// No byte flows through a bounce slot into a buffer it does not belong to.
/// Found: mapping 0 (DMA_FROM_DEVICE), byte 0 of 0x100010000: the CPU reads zero where it should read guest allocation #1 (disclosed)
@Test func confStale_cve20220854_tdx() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .cpuWrite(buffer: 0, offset: 0, size: 1),  // cpu writes buffer 0 [0, +1)
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),  // dma_map_phys(dev 0, buffer 0 +0, 1, DMA_FROM_DEVICE)
        .unmap(mapping: 0, skipCpuSync: false),  // dma_unmap_phys(mapping 0)
    ]
    let profile = Profile.builtIn(named: "cve-2022-0854")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confStale, "\(result.violations)")
    #expect(result.steps == operations.count)
}
