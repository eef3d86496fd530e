import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// `atomic_pool_expand()` after `set_memory_decrypted()` failed (issue 16 item 4): v6.12 frees the
/// chunk where `CONFIG_DMA_DIRECT_REMAP` puts `__free_pages()` on the error path (arm64), the
/// `DMA_ATTR_CC_SHARED` series leaks it everywhere.
@Suite struct AtomicPoolDecryptFailureTests {
    /// A non-blocking allocation leaves the pool below its boot size; the expansion the workqueue
    /// runs is the conversion the host fails.
    let ops: [GuestOperation] = [
        .probeDevice(untrusted), .allocCoherent(device: 0, size: 4096, blocking: false),
        .failNextConversion(afterPages: 0), .runDeferredWork,
    ]

    /// pKVM with the series' pKVM patch: a mainline pKVM guest's coherent allocations never come
    /// from the atomic pools (`force_dma_unencrypted()` is false and the model's devices are
    /// coherent), so nothing drains them for the workqueue to grow.
    static func pkvmCc(_ p: Profile) -> Profile {
        var p = p
        p.behaviours.pkvmCcPlatform = .ccPlatform
        return p
    }

    @Test func underDirectRemapTheChunkIsFreed() {
        for name in ["atomic-pool-decrypt-free", "linux-6.12"] {
            #expect(run(ops, on: .cca, profile(name)).firstViolation?.invariant == .confFreelist, "\(name) cca")
            #expect(run(ops, on: .pkvm, Self.pkvmCc(profile(name))).firstViolation?.invariant == .confFreelist, "\(name) pkvm")
        }
    }

    @Test func withoutDirectRemapOrWithTheSeriesTheChunkIsLeaked() {
        for platform in [PlatformKind.tdx, .sevSnp] {
            #expect(run(ops, on: platform, profile("atomic-pool-decrypt-free")).violations.isEmpty, "\(platform)")
        }
        #expect(run(ops, on: .cca).violations.isEmpty)
        #expect(run(ops, on: .pkvm, profile("pkvm-cc-platform-series")).violations.isEmpty)
    }

    @Test func onlyArm64SelectsDirectRemap() {
        #expect(PlatformKind.allCases.filter { Platform($0).config.directRemap } == [.cca, .pkvm])
    }
}
