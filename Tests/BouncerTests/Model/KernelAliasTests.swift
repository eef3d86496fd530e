@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// The kernel virtual mapping a coherent allocation's CPU address is (issue 16, "bug classes the
/// model cannot express yet"): the linear map, or under `CONFIG_DMA_DIRECT_REMAP` a vmap alias with
/// its own pgprot, judged against the pages' state (CONF-ALIAS).
@Suite struct KernelAliasTests {
    /// A device firmware describes as not DMA-coherent, and a blocking allocation for it.
    let remapped: [GuestOperation] = [
        .probeDevice(untrusted), .archSetupDmaOps(device: 0, coherent: false),
        .allocCoherent(device: 0, size: 4096, blocking: true), .cpuWriteCoherent(coherent: 0, offset: 0, size: 64),
    ]

    @Test func beforeTheFixARemappedAllocationIsAPrivatePageUnderADecryptedAlias() throws {
        for name in ["dma-direct-remap-decrypt-2026", "linux-6.12", "linux-swiotlb-force"] {
            let r = run(remapped, on: .cca, profile(name))
            let v = try #require(r.firstViolation, "\(name)")
            #expect(v.invariant == .confAlias, "\(name): \(r.violations)")
            #expect(v.site == .cpuAlias && v.step == 2, "\(name): \(v)")
            // The device is handed the unencrypted address of the same private page.
            #expect(r.violations.contains { $0.invariant == .confBounce && $0.site == .coherentHandout }, "\(name): \(r.violations)")
        }
    }

    @Test func withTheFixTheLinearMapIsDecryptedBeforeTheRemap() {
        let r = run(remapped, on: .cca)
        #expect(r.violations.isEmpty, "\(r.violations)")
        var system = system(.cca)
        let device = 0
        system.archSetupDmaOps(device: device, coherent: false)
        let c = system.dmaAllocCoherent(device: device, size: 4096, blocking: true)!
        #expect(system.coherent[c].alias == KernelAlias(.vmap, decrypted: true))
        #expect(system.memory.state(PageNumber(GuestMemory.page(ofPhys: system.coherent[c].phys)!)) == .decrypted)
    }

    @Test func onPkvmNoAttributeButTheDeviceIsHandedAPrivatePage() throws {
        // pKVM as a CC platform (the series' unmerged patch): arm64's pgprot_decrypted() sets
        // nothing outside a realm, so the alias reaches the page as it is, and what breaks is the
        // device's view (CONF-BOUNCE).
        let series = upstream {
            $0.pkvmCcPlatform = .ccPlatform
            $0.remapDecrypt = .pgprotOnly
        }
        let r = run(remapped, on: .pkvm, series)
        #expect(!r.violations.contains { $0.invariant == .confAlias }, "\(r.violations)")
        #expect(r.firstViolation?.invariant == .confBounce && r.firstViolation?.step == 2, "\(r.violations)")
    }

    @Test func withoutDirectRemapACoherentDeviceFlagChangesNothing() {
        for platform in [PlatformKind.tdx, .sevSnp, .sevSnpVtom] {
            let r = run(remapped, on: platform, profile("dma-direct-remap-decrypt-2026"))
            #expect(r.violations.isEmpty, "\(platform): \(r.violations)")
        }
    }

    @Test func aNonBlockingRemappedRequestComesFromTheRemappedAtomicPool() throws {
        var system = system(.cca, profile("dma-direct-remap-decrypt-2026"))
        let device = 0
        system.archSetupDmaOps(device: device, coherent: false)
        let made = system.dmaAllocCoherent(device: device, size: 4096, blocking: false)
        let c = try #require(made)
        guard case .atomicPool = system.coherent[c].source else {
            Issue.record("\(system.coherent[c].source)")
            return
        }
        #expect(system.coherent[c].alias == KernelAlias(.vmap, decrypted: true))
    }

    @Test func anEncryptedAliasOfASharedPageIsReported() {
        // The other direction: a shared page written through an alias without pgprot_decrypted.
        var system = system(.tdx)
        let c = system.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        var oracle = Oracle(booted: system)
        system.beginStep()
        system.coherent[c].alias = KernelAlias(.vmap, decrypted: false)
        system.cpuWriteCoherent(c, offset: 0, size: 8)
        #expect(oracle.check(system, step: 0).map(\.invariant) == [.confAlias])
    }

    @Test func onlyArm64RemapsAndOnlyFourPlatformsCarryTheAttribute() {
        #expect(PlatformKind.allCases.filter { Platform($0).config.directRemap } == [.cca, .pkvm])
    }
}
