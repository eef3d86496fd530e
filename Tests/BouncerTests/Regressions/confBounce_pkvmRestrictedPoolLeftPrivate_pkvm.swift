import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-BOUNCE under `linux-upstream` on pkvm through a `restricted-dma-pool`
/// (`Corpus/regressions/dma/linux-upstream--confBounce_pkvmRestrictedPoolLeftPrivate_pkvm.bounce`,
/// the bytes the former record `pkvm-restricted-pool-recorded-private` replayed, renamed). Kept by
/// hand: `bouncer minimize` drops the pool, since the finding (`pkvm-dma-to-private-memory`) shows
/// without it too; this input pins the pool's half (d5fd03cdd6c0 leaves it private on pKVM).
/// An untrusted device is only handed DMA addresses of memory made shared on purpose.
/// Found: device 0, mapping 0, dma 0x40050000, page 112 (0x40050000): resolves to a private page held by swiotlb pool 1, not memory shared on purpose
/// An open finding against a profile believed correct: once the kernel (model) is fixed the
/// known issue stops happening and this test fails: then remove the `withKnownIssue` wrapper.
@Test func confBounce_pkvmRestrictedPoolLeftPrivate_pkvm() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig(restrictedPool: true)),  // device_add(untrusted, DMA_BIT_MASK(64), restricted-dma-pool)
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false),  // dma_map_phys(dev 0, buffer 0 +0, 1, DMA_TO_DEVICE)
    ]
    let profile = Profile.builtIn(named: "linux-upstream")!
    let result = Runner.run(Scenario(platform: .pkvm, operations: operations), profile: profile)
    #expect(result.violations.first?.detail.contains("held by swiotlb pool") == true, "\(result.violations)")
    withKnownIssue("open finding: CONF-BOUNCE under linux-upstream") {
        #expect(result.violations.isEmpty, "\(result.violations)")
    }
}
