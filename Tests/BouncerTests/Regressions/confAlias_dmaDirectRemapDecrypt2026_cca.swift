import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-ALIAS under `dma-direct-remap-decrypt-2026` on cca, minimised from
/// 154 to 3 operations (from a reproducer, bouncer-dma-CONF-ALIAS-f2a96f4749d087fd.bounce). Written again by
/// `bouncer minimize Corpus/regressions/dma/dma-direct-remap-decrypt-2026--confAlias_dmaDirectRemapDecrypt2026_cca.bounce --target dma --profile dma-direct-remap-decrypt-2026 --name confAlias_dmaDirectRemapDecrypt2026_cca`.
/// The CPU reaches a page only through a kernel mapping whose encryption attribute matches the page's state.
/// Found: page 208 (0x100010000): the CPU wrote through a vmap alias (pgprot_decrypted) to a private page
@Test func confAlias_dmaDirectRemapDecrypt2026_cca() throws {
    let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig()),  // device_add(untrusted, DMA_BIT_MASK(64))
        .archSetupDmaOps(device: 0, coherent: false),  // arch_setup_dma_ops(dev 0, not DMA-coherent)
        .allocCoherent(device: 0, size: 1, blocking: true),  // dma_alloc_coherent(dev 0, 1, GFP_KERNEL)
    ]
    let profile = Profile.builtIn(named: "dma-direct-remap-decrypt-2026")!
    let result = Runner.run(Scenario(platform: .cca, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confAlias, "\(result.violations)")
    #expect(result.steps == operations.count)
}
