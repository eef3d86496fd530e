import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-BOUNCE under `linux-upstream` on pkvm, minimised from
/// 3 to 3 operations (from `Corpus/regressions/dma/linux-upstream--confBounce_pkvmRestrictedPoolLeftPrivate_pkvm.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/dma/linux-upstream--confBounce_pkvmRestrictedPoolLeftPrivate_pkvm.bounce --target dma --profile linux-upstream --name confBounce_pkvmRestrictedPoolLeftPrivate_pkvm`.
/// An untrusted device is only handed DMA addresses of memory made shared on purpose.
/// Found: (to be written by bouncer minimize)
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
    withKnownIssue("open finding: CONF-BOUNCE under linux-upstream") {
        #expect(result.violations.isEmpty, "\(result.violations)")
    }
}
