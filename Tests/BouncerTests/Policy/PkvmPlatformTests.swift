import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// pKVM as the merged kernel has it (`pkvm-mainline`): arm64's `force_dma_unencrypted()` and
/// `cc_platform_has(CC_ATTR_MEM_ENCRYPT)` are `is_realm_world()`, false on a pKVM guest, so
/// nothing in dma-direct, the atomic pools or swiotlb decrypts for it, not even a
/// `restricted-dma-pool`, which `rmem_swiotlb_device_init()` decrypts (through the pKVM guest
/// driver's `arm64_mem_crypt_ops`, `MEM_SHARE`) only where `cc_platform_has()` since d5fd03cdd6c0.
/// The profile `pkvm-cc-platform-series` models the series' unmerged "[DO NOT MERGE] arm64/coco:
/// Add pKVM as a CC platform" (`pkvm-cc-platform = cc-platform`).
@Suite struct PkvmPlatformTests {
    static let mainline = Profile.linuxUpstream
    static let series = profile("pkvm-cc-platform-series")

    @Test func onlyPkvmLeavesCcMemEncryptToTheBehaviour() {
        let d = ConcreteDomain()
        var series = Behaviours()
        series.pkvmCcPlatform = .ccPlatform
        for kind in PlatformKind.allCases {
            let p = PlatformTerms(d, Platform(kind))
            let merged = d.ccMemEncrypt(p, BehaviourTerms(d, Self.mainline.behaviours))
            let patched = d.ccMemEncrypt(p, BehaviourTerms(d, series))
            #expect(merged == (kind != .nonConfidential && kind != .pkvm), "\(kind)")
            #expect(patched == (kind != .nonConfidential), "\(kind)")
        }
    }

    @Test func aBlockingCoherentAllocationIsNotDecryptedOnMainlinePkvm() {
        var merged = system(.pkvm, Self.mainline)
        let c = merged.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        #expect(merged.coherent[c].source == .pages)
        #expect(!merged.coherent[c].shared)
        #expect(merged.memory.states[GuestMemory.page(ofPhys: merged.coherent[c].phys)!] == .encrypted)
        var patched = system(.pkvm, Self.series)
        let p = patched.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        #expect(patched.coherent[p].shared)
        #expect(patched.memory.states[GuestMemory.page(ofPhys: patched.coherent[p].phys)!] == .decrypted)
    }

    /// No atomic allocation either: without `force_dma_unencrypted()` (and with coherent
    /// devices) `dma_direct_alloc()` does not take the atomic pools, which stay private.
    @Test func theAtomicAndDefaultSwiotlbPoolsStayPrivateOnMainlinePkvm() {
        var s = system(.pkvm, Self.mainline)
        #expect(s.atomicPools.count == 3)
        #expect(s.atomicPools.allSatisfy { !$0.decrypted })
        #expect(s.atomicPools.allSatisfy { $0.chunks.allSatisfy { c in (c.first ..< c.first + c.count).allSatisfy { s.memory.states[$0] == .encrypted } } })
        #expect(!s.swiotlbPools[0].decrypted)
        #expect(s.swiotlbPools[0].pages.allSatisfy { s.memory.states[$0] == .encrypted })
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false)!
        #expect(s.coherent[c].source == .pages)
        let patched = system(.pkvm, Self.series)
        #expect(patched.atomicPools.allSatisfy { $0.decrypted })
        #expect(patched.swiotlbPools[0].decrypted)
    }

    /// A device with a `restricted-dma-pool` bounces every mapping through it
    /// (`is_swiotlb_force_bounce()`). The merged series (d5fd03cdd6c0) has
    /// `rmem_swiotlb_device_init()` decrypt the pool only where `cc_platform_has()`, so on a
    /// mainline pKVM guest the pool stays private and is recorded so, and the device is handed
    /// private slots, as a device without the pool is handed the buffer itself (I/O fails, nothing
    /// is exposed). 6.12 decrypted the pool whatever the guest (`MEM_SHARE`), and so does the
    /// series' pKVM patch, which records it shared.
    @Test func aRestrictedPoolStaysPrivateOnMainlinePkvmAndItsDeviceIsHandedPrivateSlots() {
        var s = system(.pkvm, Self.mainline, device: DeviceConfig(restrictedPool: true))
        let pool = s.devices[0].restrictedPool!
        #expect(s.swiotlbPools[pool].pages.allSatisfy { s.memory.states[$0] == .encrypted })
        #expect(!s.swiotlbPools[pool].decrypted && !s.swiotlbPools[pool].madeShared)
        let b = s.kmalloc(size: 512)!
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: [])!
        #expect(s.mappings[m].bouncePool == pool)
        #expect(s.mappings[m].dma == s.mappings[m].tlbAddress)
        let r = run([
            .probeDevice(DeviceConfig(restrictedPool: true)), .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
        ], on: .pkvm, Self.mainline)
        #expect(r.violations.map(\.invariant) == [.confBounce], "\(r.violations)")
        #expect(r.firstViolation?.findingClass == .contractBreak, "\(r.violations)")
        for name in ["linux-6.12", "pkvm-cc-platform-series"] {
            let other = system(.pkvm, profile(name), device: DeviceConfig(restrictedPool: true))
            let p = other.devices[0].restrictedPool!
            #expect(other.swiotlbPools[p].pages.allSatisfy { other.memory.states[$0] == .decrypted }, "\(name)")
            #expect(other.swiotlbPools[p].madeShared, "\(name)")
        }
        // Without the pool the device is handed the buffer's own, private, address.
        var direct = system(.pkvm, Self.mainline)
        let b2 = direct.kmalloc(size: 512)!
        let m2 = direct.dmaMapPhys(device: 0, phys: direct.buffers[b2].phys, size: 512, direction: .toDevice, attrs: [])!
        #expect(direct.mappings[m2].bouncePool == nil)
        #expect(direct.mappings[m2].dma == direct.buffers[b2].phys)
    }

    /// v6.12's arm64 `mem_init()` calls `swiotlb_init()` and not `swiotlb_update_mem_attributes()`
    /// (fbf979a01375 added the call with realm support, v6.13): a 6.12 pKVM guest's default pool
    /// stays private. From 6.13 to the series (`linux-swiotlb-force`) `mem_init()` shares it
    /// through the pKVM guest driver; x86's `mem_encrypt_init()` decrypts it in 6.12 too, and a
    /// realm has the call with its support.
    @Test func aPkvmGuestsDefaultSwiotlbPoolIsDecryptedFrom613ButNotIn612() {
        func decrypted(_ kind: PlatformKind, _ name: String) -> Bool {
            let s = system(kind, profile(name))
            return s.swiotlbPools[0].pages.allSatisfy { s.memory.states[$0] == .decrypted }
        }
        func encrypted(_ kind: PlatformKind, _ name: String) -> Bool {
            let s = system(kind, profile(name))
            return s.swiotlbPools[0].pages.allSatisfy { s.memory.states[$0] == .encrypted }
        }
        #expect(encrypted(.pkvm, "linux-6.12"))
        #expect(decrypted(.pkvm, "linux-swiotlb-force"))
        #expect(encrypted(.pkvm, "linux-upstream"))
        for kind in [PlatformKind.tdx, .sevSnp, .cca, .s390Pv] {
            #expect(decrypted(kind, "linux-6.12"), "\(kind)")
            #expect(decrypted(kind, "linux-swiotlb-force"), "\(kind)")
        }
    }

    /// No device is inside a pKVM guest's trust boundary: a trusted probe is skipped there, and
    /// the prover's device is never trusted on pKVM (else, under 6.12, a trusted device on the
    /// shared restricted pool would bounce its private buffers where the host reads them).
    @Test func aPkvmGuestHasNoTrustedDevice() {
        #expect(!Platform(.pkvm).config.admitsTrustedDevices)
        #expect(PlatformKind.allCases.filter { !Platform($0).config.admitsTrustedDevices } == [.pkvm])
        let skipped = run([.probeDevice(DeviceConfig(trusted: true, restrictedPool: true))], on: .pkvm)
        #expect(skipped.trace.last?.hasSuffix("-- skipped") == true, "\(skipped.trace)")
        let tdx = run([.probeDevice(DeviceConfig(trusted: true, restrictedPool: true))], on: .tdx)
        #expect(tdx.trace.last?.hasSuffix("-- skipped") == false, "\(tdx.trace)")
    }

    /// The atomic-pool growth over a freed buffer that `share-in-place-atomic-pool` pins shares
    /// nothing on mainline pKVM: the new chunk is not decrypted.
    @Test func theAtomicPoolGrowthSharesNothingOnMainlinePkvm() {
        let ops = KernelConfigTests.atomicPoolGrowth
        let r = Runner.run(Scenario(platform: .pkvm, operations: ops), profile: Self.mainline)
        #expect(!r.violations.contains { $0.invariant == .confPrivate }, "\(r.violations)")
        let patched = Runner.run(Scenario(platform: .pkvm, operations: ops), profile: Self.series)
        #expect(patched.violations.contains { $0.invariant == .confPrivate })
    }
}
