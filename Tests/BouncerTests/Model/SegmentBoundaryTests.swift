import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

/// The device's segment boundary in swiotlb's slot search (`dma_set_seg_boundary()`, v6.12
/// `swiotlb_search_pool_area()`): a bounce buffer never crosses a multiple of `mask + 1` in the
/// device's DMA address space. The default pool starts 1 GiB-aligned, so its windows start at
/// slot 0.
@Suite struct SegmentBoundaryTests {
    /// A forced-bounce system whose device has boundary `mask` (0: none set).
    static func bounded(mask: UInt64, device: DeviceConfig = untrusted) -> DmaLayer {
        var s = system(.tdx, device: device)
        let set = s.dmaSetSegBoundary(device: 0, mask: mask)
        #expect(set)
        return s
    }

    /// A 40 KiB bounce takes slots 0 to 19 and leaves the search index at 20. A 32 KiB bounce (16
    /// slots, page-aligned) from slot 20 would cross the 64 KiB boundary at slot 32: the search
    /// passes slots 20 to 30 over and takes slot 32. Without a boundary it takes slot 20.
    @Test func aBounceThatWouldCrossTheBoundaryMovesToARunThatDoesNot() {
        for (mask, expected) in [(UInt64(0xFFFF), 32), (0, 20)] {
            var s = Self.bounded(mask: mask)
            let first = bounceSlot(&s, size: 40 * 1024), second = bounceSlot(&s, size: 32 * 1024)
            #expect(first == 0)
            #expect(second == expected, "mask \(hex(mask))")
        }
    }

    /// With a one-slot boundary (2 KiB) every run of two slots or more crosses: the bounce fails
    /// (`DMA_MAPPING_ERROR`, no slots taken), while a single slot still maps.
    @Test func aOneSlotBoundaryRefusesEveryLongerBounce() {
        var s = Self.bounded(mask: 0x7FF)
        let long = bounceSlot(&s, size: 4096)
        #expect(long == nil)
        #expect(s.swiotlbPools[0].used == 0)
        let short = bounceSlot(&s, size: 2048)
        #expect(short == 0)
    }

    /// The windows are counted from the pool's DMA address masked by the boundary
    /// (`tbl_dma_addr`): a dma-ranges offset of 16 KiB puts the pool 8 slots into a 32 KiB
    /// window, so a 16-slot run fits first at slot 8, not at slot 0.
    @Test func theWindowsAreCountedFromThePoolsDmaAddress() {
        for (offset, expected) in [(UInt64(0x4000), 8), (0, 0)] {
            var s = Self.bounded(mask: 0x7FFF, device: DeviceConfig(dmaRangeOffset: offset))
            let slot = bounceSlot(&s, size: 32 * 1024)
            #expect(slot == expected, "offset \(hex(offset))")
        }
    }

    /// A restricted pool's `swiotlb_alloc()` searches with the device's boundary too: a two-page
    /// coherent buffer (4 slots, aligned to its order) cannot sit under a 4 KiB boundary at all.
    @Test func swiotlbAllocHonoursTheBoundary() {
        for (mask, allocates) in [(UInt64(0xFFF), false), (0x3FFF, true)] {
            var s = Self.bounded(mask: mask, device: DeviceConfig(restrictedPool: true))
            let c = s.dmaAllocCoherent(device: 0, size: 8192, blocking: true)
            #expect((c != nil) == allocates, "mask \(hex(mask))")
        }
    }

    /// `dma_get_seg_boundary()` reads 0 as `ULONG_MAX`; a mask whose window is not a power of two
    /// slots (which `iommu_is_span_boundary()` BUG()s on) is refused and the step skipped.
    @Test func onlyMasksSwiotlbCanTakeAreSet() {
        var s = system(.tdx)
        #expect(s.devices[0].segmentBoundary == .max)
        var set = s.dmaSetSegBoundary(device: 0, mask: 0xFFFF)
        #expect(set && s.devices[0].segmentBoundary == 0xFFFF)
        set = s.dmaSetSegBoundary(device: 0, mask: 0x5FFF)
        #expect(!set && s.devices[0].segmentBoundary == 0xFFFF)
        set = s.dmaSetSegBoundary(device: 0, mask: 0)
        #expect(set && s.devices[0].segmentBoundary == .max)
        set = s.dmaSetSegBoundary(device: 1, mask: 0xFFFF)
        #expect(!set)
        let r = run([.probeDevice(untrusted), .dmaSetSegBoundary(device: 0, mask: 0x5FFF)])
        #expect(r.trace.last?.hasSuffix("-- skipped") == true, "\(r.trace)")
    }

    /// `iommu_is_span_boundary()`'s arithmetic: where the run starts in its window, plus its
    /// length, past the window's size.
    @Test func aRunCrossesWhenItEndsPastItsWindow() {
        #expect(SegmentBoundary.maxSlots(0xFFFF) == 32)
        #expect(SegmentBoundary.maxSlots(.max) == 1 << 53)
        #expect(SegmentBoundary.maxSlots(0x3FF) == 1)
        #expect(!SegmentBoundary.crossed(index: 8, nslots: 24, tblSlots: 0, maxSlots: 32))
        #expect(SegmentBoundary.crossed(index: 9, nslots: 24, tblSlots: 0, maxSlots: 32))
        #expect(SegmentBoundary.crossed(index: 0, nslots: 24, tblSlots: 9, maxSlots: 32))
        #expect(!SegmentBoundary.crossed(index: 23, nslots: 24, tblSlots: 9, maxSlots: 32))
        #expect(!SegmentBoundary.crossed(index: 100, nslots: 128, tblSlots: 1 << 40, maxSlots: 1 << 53))
    }
}
