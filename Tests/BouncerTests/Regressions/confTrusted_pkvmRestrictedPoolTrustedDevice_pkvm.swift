import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-TRUSTED under `linux-upstream` on pkvm, 3 operations (from
/// `Corpus/regressions/dma/linux-upstream--confTrusted_pkvmRestrictedPoolTrustedDevice_pkvm.bounce`), written by
/// hand: the same step first breaks CONF-POOL (`pkvm-restricted-pool-recorded-private`), so
/// `bouncer minimize`, which keeps the first violation's invariant, would pin that one instead.
/// A trusted device's private memory never goes through decrypted memory.
/// Found: device 0 (trusted), mapping 0, dma 0x40050000, page 112 (0x40050000): a trusted device's DMA goes through a shared page held by swiotlb pool 1
/// An open finding against a profile believed correct: once the kernel (model) is fixed the
/// known issue stops happening and this test fails: then remove the `withKnownIssue` wrapper.
@Test func confTrusted_pkvmRestrictedPoolTrustedDevice_pkvm() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig(trusted: true, restrictedPool: true)),  // device_add(trusted, DMA_BIT_MASK(64), restricted-dma-pool)
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false),  // dma_map_phys(dev 0, buffer 0 +0, 1, DMA_TO_DEVICE)
    ]
    let profile = Profile.builtIn(named: "linux-upstream")!
    let result = Runner.run(Scenario(platform: .pkvm, operations: operations), profile: profile)
    withKnownIssue("open finding: CONF-TRUSTED under linux-upstream") {
        #expect(!result.violations.contains { $0.invariant == .confTrusted }, "\(result.violations)")
    }
}
