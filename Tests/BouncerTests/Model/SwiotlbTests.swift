import BouncerModel
import BouncerPolicy
import Testing

/// `swiotlb_tbl_map_single`, `swiotlb_bounce`, the sync paths and slot bookkeeping.
@Suite struct SwiotlbTests {
    /// Maps a fresh 512-byte buffer that the CPU filled, for an untrusted device on TDX.
    func mapFilledBuffer(_ s: inout DmaLayer, _ direction: DmaDirection, size: UInt32 = 512) -> (buffer: Int, mapping: Int) {
        let b = s.kmalloc(size: size)!
        s.cpuWriteBuffer(b, offset: 0, size: size)
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: size, direction: direction, attrs: [])!
        return (b, m)
    }

    func slotTag(_ s: DmaLayer, _ m: Int) -> Provenance {
        s.memory.contents.tag(at: GuestMemory.byteIndex(ofPhys: s.mappings[m].tlbAddress)!)
    }

    @Test func copyOnMapFillsTheSlotForFromDevice() {
        var s = system()
        let (b, m) = mapFilledBuffer(&s, .fromDevice)
        #expect(s.mappings[m].bouncePool == 0)
        #expect(slotTag(s, m).origin == .guest(s.buffers[b].allocation, disclosed: false))
    }

    @Test func beforeTheCve2022_0854FixAFromDeviceMapLeavesTheSlotAsItWas() {
        var s = system(.tdx, profile("cve-2022-0854"))
        let (_, m) = mapFilledBuffer(&s, .fromDevice)
        #expect(slotTag(s, m) == .zero)
    }

    @Test func mappingForAnUntrustedDeviceDisclosesTheBytesItCopies() {
        var s = system()
        let (_, m) = mapFilledBuffer(&s, .toDevice)
        #expect(slotTag(s, m).isDisclosed)
    }

    @Test func syncForDeviceDoesNotCopyForFromDevice() {
        var s = system()
        let (_, m) = mapFilledBuffer(&s, .fromDevice)
        s.deviceWrite(m, offset: 0, size: 100)
        s.dmaSyncSingleForDevice(m, offset: 0, size: 512)
        #expect(slotTag(s, m).isHost)
    }

    @Test func the2022ReworkCopiedOnSyncForDeviceForEveryDirection() {
        var s = system(.tdx, profile("swiotlb-sync-bidi-2022"))
        let (_, m) = mapFilledBuffer(&s, .fromDevice)
        s.deviceWrite(m, offset: 0, size: 100)
        s.dmaSyncSingleForDevice(m, offset: 0, size: 512)
        #expect(slotTag(s, m).isGuest)
    }

    @Test func syncForCpuCopiesTheSlotBackOnlyForDeviceWritableDirections() {
        for direction in DmaDirection.allCases {
            var s = system()
            let (b, m) = mapFilledBuffer(&s, direction)
            s.deviceWrite(m, offset: 0, size: 16)
            s.dmaSyncSingleForCpu(m, offset: 0, size: 16)
            let head = s.memory.contents.tag(at: GuestMemory.byteIndex(ofPhys: s.buffers[b].phys)!)
            #expect(head.isHost == direction.deviceWrites, "\(direction)")
        }
    }

    @Test func unmapWithSkipCpuSyncCopiesNothingBack() {
        var s = system()
        let (b, m) = mapFilledBuffer(&s, .fromDevice)
        s.deviceWrite(m, offset: 0, size: 16)
        s.dmaUnmapPhys(m, attrs: .skipCpuSync)
        #expect(s.memory.contents.tag(at: GuestMemory.byteIndex(ofPhys: s.buffers[b].phys)!).isGuest)
    }

    /// A 4000-byte sync from offset 100 of a 512-byte mapping: clamped to the 412 bytes left, or,
    /// before 868c9ddc182b (`swiotlb-partial-sync`), copied as asked.
    @Test(arguments: [("linux-upstream", UInt64(412)), ("swiotlb-partial-sync", 4000)])
    func aPartialSyncIsClampedToTheMappingOnlyOnceTheOverflowChecksExist(_ name: String, _ copied: UInt64) {
        var s = system(.tdx, profile(name))
        let (_, m) = mapFilledBuffer(&s, .fromDevice)
        s.beginStep()
        s.dmaSyncSingleForCpu(m, offset: 100, size: 4000)
        let sizes = s.events.compactMap { e -> UInt64? in if case let .bounced(_, _, _, _, size) = e { return size } else { return nil } }
        #expect(sizes == [copied])
    }

    @Test func minAlignMaskKeepsTheLowBitsOfTheOriginalAddress() {
        var s = system(device: DeviceConfig(minAlignMask: 0xFFF))
        let b = s.kmalloc(size: 4096)!
        let phys = s.buffers[b].phys + 0xABC
        let m = s.dmaMapPhys(device: 0, phys: phys, size: 300, direction: .toDevice, attrs: [])!
        #expect(s.mappings[m].tlbAddress & 0xFFF == phys & 0xFFF)
    }

    @Test func releasingSlotsRestoresTheFreeCountsOfTheSegment() {
        var s = system()
        let fresh = s.swiotlbPools[0].slots.map(\.list)
        var maps: [Int] = []
        for size: UInt32 in [100, 3000, 5000, 64] { maps.append(mapFilledBuffer(&s, .bidirectional, size: size).mapping) }
        #expect(s.swiotlbPools[0].used == 1 + 2 + 3 + 1)
        for m in maps.reversed() { s.dmaUnmapPhys(m) }
        #expect(s.swiotlbPools[0].used == 0)
        #expect(s.swiotlbPools[0].slots.map(\.list) == fresh)
    }

    @Test func aFullDefaultPoolFallsBackToATransientPoolAndSchedulesGrowth() {
        var s = system()
        var last = 0
        for _ in 0 ..< 5 { last = mapFilledBuffer(&s, .toDevice, size: 60000).mapping }
        let pool = s.mappings[last].bouncePool!
        #expect(s.swiotlbPools[pool].kind == .transient)
        #expect(s.swiotlbPools[pool].decrypted)
        #expect(s.swiotlbGrowPending)
        s.dmaUnmapPhys(last)
        #expect(!s.swiotlbPools[pool].live)
        s.runDeferredWork()
        #expect(s.swiotlbPools.contains { $0.kind == .dynamic && $0.live && $0.decrypted })
    }

    @Test func aSharedRequestIsNeverServedByAPoolRecordedEncrypted() {
        var s = DmaLayer(platform: .pseriesSvm, behaviours: profile("pseries-late-secure-seed003").behaviours)
        s.probeDevice(untrusted)
        s.armConversionFault(ConversionFault(afterPages: 0))
        s.enterSecureMode()
        #expect(!s.swiotlbPools[0].usable)
        let b = s.kmalloc(size: 512)!
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: [])
        #expect(m == nil)
    }

    @Test func beforeTheSeriesAPoolWhoseDecryptionFailedWasStillUsed() {
        var behaviours = profile("swiotlb-pool-state-2026").behaviours
        behaviours.pseriesSecureMode = .runtime
        var s = DmaLayer(platform: .pseriesSvm, behaviours: behaviours)
        s.probeDevice(untrusted)
        s.armConversionFault(ConversionFault(afterPages: 0))
        s.enterSecureMode()
        let b = s.kmalloc(size: 512)!
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: [])!
        #expect(s.mappings[m].bouncePool == 0)
        #expect(s.memory.states[GuestMemory.page(ofPhys: s.mappings[m].tlbAddress)!] != .decrypted)
    }
}
