import BouncerModel
import BouncerOracle
import BouncerPolicy
@testable import BouncerProver
import BouncerRunner
import Testing

/// `swiotlb-slot-alignment`: CVE-2024-35814 (fixed by 04867a7a3332). With the alignment tested
/// only against an original address, `swiotlb_alloc()` takes whatever slot the search index is
/// at, and hands out the page that slot is in, half of which another holder has.
@Suite struct SlotAlignmentTests {
    /// A one-byte bounce leaves the restricted pool's search index at slot 1; a page from
    /// `dma_alloc_coherent()` then starts in slot 0, which the mapping holds.
    static let operations: [GuestOperation] = [
        .probeDevice(DeviceConfig(restrictedPool: true)),
        .kmalloc(size: 64, zone: .normal),
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false),
        .allocCoherent(device: 0, size: 4096, blocking: true),
    ]

    @Test func theBrokenSearchHandsOutAPageReachingAnotherHoldersSlot() throws {
        let result = Runner.run(Scenario(platform: .tdx, operations: Self.operations), profile: Profile.builtIn(named: "cve-2024-35814")!)
        let v = try #require(result.firstViolation)
        #expect(v.invariant == .confStale)
        #expect(v.site == .slotShared)
        #expect(v.step == 3)
        #expect(v.detail.contains("held by mapping 0"), "\(v)")
    }

    @Test func theFixedSearchGivesSwiotlbAllocAPageOfItsOwn() {
        let result = Runner.run(Scenario(platform: .tdx, operations: Self.operations), profile: .linuxUpstream)
        #expect(result.violations.isEmpty, "\(result.violations)")
    }

    @Test(arguments: [PlatformKind.nonConfidential, .tdx])
    func swiotlbAllocHandsOutThePageItsSlotIsIn(_ platform: PlatformKind) throws {
        var b = Behaviours()
        b.swiotlbSlotAlignment = .origAddrOnly
        var s = DmaLayer(platform: platform, behaviours: b)
        s.probeDevice(DeviceConfig(restrictedPool: true))
        let pool = try #require(s.devices[0].restrictedPool)
        _ = s.dmaMapPhys(device: 0, phys: GuestMemory.phys(ofPage: 300), size: 1, direction: .toDevice, attrs: [])
        let handle = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)
        let c = try #require(handle)
        // The search returned slot 1; the page handed out starts at slot 0.
        #expect(s.swiotlbPools[pool].slots[1].coherent == Int32(c))
        #expect(s.coherent[c].phys == s.swiotlbPools[pool].start)
    }

    @Test func theSearchMasksFoldTheAllocationAlignmentOnlyWhenBroken() {
        let d = ConcreteDomain()
        var broken = Behaviours()
        broken.swiotlbSlotAlignment = .origAddrOnly
        for (behaviours, accepts) in [(Behaviours(), false), (broken, true)] {
            let b = BehaviourTerms(d, behaviours)
            let masks = d.swiotlbSearchMasks(b, allocAlignMask: 4095, minAlignMask: 0, allocSize: 4096)
            // A slot at 0x800, no original buffer (swiotlb_alloc).
            #expect(d.swiotlbSlotSuitable(slotAddress: 0x800, orig: 0, alignMask: masks.alignMask, iotlbAlignMask: masks.iotlbAlignMask) == accepts)
        }
    }

    @Test func theSlotInductionReadsTheProfilesSearch() throws {
        var broken = Behaviours()
        broken.swiotlbSlotAlignment = .origAddrOnly
        guard case .refuted = try SlotInduction.check(ProofOptions(), behaviours: broken) else {
            Issue.record("SWIOTLB-NO-OVERLAP not refuted under the broken search")
            return
        }
        guard case .proved = try SlotInduction.check(ProofOptions()) else {
            Issue.record("SWIOTLB-NO-OVERLAP not proved under linux-upstream")
            return
        }
    }

    /// The alignment is tested on the slot's DMA address (`tbl_dma_addr`, issue 16 item 10): with
    /// a dma-ranges offset of half a page, the page-aligned slot for a page-sized bounce is the
    /// second one of the pool, whose physical address is not page-aligned.
    @Test func slotAlignmentIsTestedOnTheDmaAddress() {
        var s = system(.tdx, device: DeviceConfig(dmaRangeOffset: 0x800))
        let b = s.kmalloc(size: 4096)!
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 4096, direction: .toDevice, attrs: [])!
        #expect(s.mappings[m].tlbAddress == s.swiotlbPools[0].start + 0x800)
        #expect(s.mappings[m].dma & 0xFFF == 0)
    }
}
