/// swiotlb's slot geometry (include/linux/swiotlb.h).
public enum IOTLB {
    /// `IO_TLB_SHIFT`: slots are 2 KiB.
    public static let shift: UInt64 = 11
    public static let slotSize: UInt64 = 1 << shift
    /// `IO_TLB_SEGSIZE`: a contiguous allocation never crosses a 128-slot segment.
    public static let segmentSlots = 128
}

/// Where `swiotlb_tbl_map_single()` puts a mapping within the slots it allocates.
public struct SwiotlbLayout<D: PolicyDomain> {
    /// `swiotlb_align_offset(dev, alloc_align_mask, orig)`: bytes kept before the data.
    public var offset: D.Word
    /// Bytes allocated: `ALIGN(mapping_size + offset, alloc_align_mask + 1)`.
    public var allocSize: D.Word
    /// Whole slots of pre-padding (`pad_slots`) and the offset left within the first data slot.
    public var padSlots: D.Word
    public var offsetInSlot: D.Word

    @inlinable init(offset: D.Word, allocSize: D.Word, padSlots: D.Word, offsetInSlot: D.Word) {
        self.offset = offset
        self.allocSize = allocSize
        self.padSlots = padSlots
        self.offsetInSlot = offsetInSlot
    }
}

/// The bytes `swiotlb_bounce()` copies for one request, relative to the mapping's original buffer.
public struct BounceWindow<D: PolicyDomain> {
    /// Address in the original buffer the copy starts at.
    public var origAddress: D.Word
    /// Bytes copied after clamping.
    public var size: D.Word

    @inlinable init(origAddress: D.Word, size: D.Word) {
        self.origAddress = origAddress
        self.size = size
    }
}

extension PolicyDomain {
    /// `swiotlb_align_offset()`: the low bits of `addr` that `min_align_mask` asks to preserve,
    /// limited to within a slot unless `align_mask` widens it.
    @inlinable public func swiotlbAlignOffset(minAlignMask: Word, alignMask: Word, address: Word) -> Word {
        bitAnd(bitAnd(address, minAlignMask), bitOr(alignMask, constant(IOTLB.slotSize - 1)))
    }

    /// `swiotlb_tbl_map_single()`: the offset kept for `min_align_mask` (widened by
    /// `alloc_align_mask`), the allocation rounded up to `alloc_align_mask`, and the padding.
    @inlinable public func swiotlbMapLayout(
        orig: Word, mappingSize: Word, minAlignMask: Word, allocAlignMask: Word
    ) -> SwiotlbLayout<Self> {
        let offset = swiotlbAlignOffset(minAlignMask: minAlignMask, alignMask: allocAlignMask, address: orig)
        let allocSize = bitAnd(add(add(mappingSize, offset), allocAlignMask), bitNot(allocAlignMask))
        return SwiotlbLayout(
            offset: offset, allocSize: allocSize, padSlots: shiftRight(offset, IOTLB.shift),
            offsetInSlot: bitAnd(offset, constant(IOTLB.slotSize - 1)))
    }

    /// The walk back from an allocation or release (`swiotlb_area_find_slots`,
    /// `swiotlb_release_slots`) goes on over slot `i` while it is free and not the last slot of
    /// the previous segment.
    @inlinable public func swiotlbCountsBackward(slot i: Word, list: Word) -> Boolean {
        let segmentLast = constant(UInt64(IOTLB.segmentSlots - 1))
        return and(notZero(list), not(equal(bitAnd(i, segmentLast), segmentLast)))
    }

    /// `swiotlb_release_slots()`: the free count a released run starts from: that of the slot
    /// right after it, if it is in the same segment.
    @inlinable public func swiotlbReleaseCarry(index: Word, nslots: Word, listAfter: Word) -> Word {
        let segment = constant(UInt64(IOTLB.segmentSlots))
        let segmentEnd = bitAnd(add(index, segment), bitNot(subtract(segment, constant(UInt64(1)))))
        return select(lessThan(add(index, nslots), segmentEnd), listAfter, constant(UInt64(0)))
    }

    /// `nr_slots()`: slots needed for `bytes`.
    @inlinable public func swiotlbSlotCount(_ bytes: Word) -> Word {
        shiftRight(add(bytes, constant(IOTLB.slotSize - 1)), IOTLB.shift)
    }

    /// `swiotlb_search_pool_area()`'s masks: the slot alignment the allocation needs and the
    /// `min_align_mask` bits above it that the slot address must share with the original address.
    /// Since 04867a7a3332 (CVE-2024-35814) the allocation's alignment is its own mask (at least a
    /// slot; a page for a page or more when nothing else is asked), tested on every slot. Before
    /// it (0eee5ae10256, bbb73a103fbb) `alloc_align_mask`, `min_align_mask` and the page bits of a
    /// large request were folded into the second mask alone, which `swiotlbSlotSuitable` tests only
    /// against an original address, so the first mask is a slot's and holds for every slot.
    @inlinable public func swiotlbSearchMasks(
        _ b: BehaviourTerms<Self>, allocAlignMask: Word, minAlignMask: Word, allocSize: Word
    ) -> (alignMask: Word, iotlbAlignMask: Word) {
        let pageMask = constant(UInt64(4095))
        let slotMask = constant(IOTLB.slotSize - 1)
        let pageOrMore = not(lessThan(allocSize, constant(UInt64(4096))))
        let widen = and(and(isZero(allocAlignMask), isZero(minAlignMask)), pageOrMore)
        let align = bitOr(select(widen, pageMask, allocAlignMask), slotMask)
        let folded = bitAnd(
            bitOr(bitOr(minAlignMask, allocAlignMask), select(pageOrMore, pageMask, constant(UInt64(0)))), bitNot(slotMask))
        return (
            select(b.slotAlignmentChecked, align, slotMask),
            select(b.slotAlignmentChecked, bitAnd(minAlignMask, bitNot(align)), folded))
    }

    /// `swiotlb_alloc()`: a slot run that does not start on a page is released and the allocation
    /// fails (823353b7cf0e); before it the page holding the first slot was handed out.
    @inlinable public func swiotlbAllocRefusesUnaligned(_ b: BehaviourTerms<Self>) -> Boolean { b.slotAlignmentChecked }

    /// `swiotlb_alloc()` returns `pfn_to_page(PFN_DOWN(tlb_addr))`: the page the first slot is in,
    /// which is the slot itself only when the slot starts a page.
    @inlinable public func swiotlbAllocPage(tlbAddress: Word) -> Word { bitAnd(tlbAddress, bitNot(constant(UInt64(4095)))) }

    /// `swiotlb_search_pool_area()`'s `tbl_dma_addr`: the pool's start as the device addresses it,
    /// which the slot alignment is tested on. v6.12 takes `phys_to_dma_unencrypted(dev,
    /// pool->start)`; the series (v6 06/20) encodes it as the `io_tlb_mem`'s `unencrypted` says.
    /// Both mask it with `dma_get_seg_boundary()` before testing slots on it, which the model's
    /// search does (`SwiotlbPool.search`): the boundary is the same in every kernel modelled.
    @inlinable public func swiotlbTblDmaAddress(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>, poolStart: Word, memUnencrypted: Boolean
    ) -> Word {
        physToDmaDirect(p, dev, poolStart, shared: or(not(b.swiotlbStrict), memUnencrypted))
    }

    /// `get_max_slots()` (v6.12 kernel/dma/swiotlb.c): how many slots fit in one window of the
    /// device's segment boundary (`dma_get_seg_boundary()`); 2^53 for `ULONG_MAX`, more than any
    /// pool holds. The boundary rule is the same in every kernel modelled, so no behaviour asks.
    @inlinable public func swiotlbMaxSlots(boundaryMask: Word) -> Word {
        add(shiftRight(boundaryMask, IOTLB.shift), constant(UInt64(1)))
    }

    /// `iommu_is_span_boundary()` (v6.12 include/linux/iommu-helper.h) as
    /// `swiotlb_search_pool_area()` calls it: `nslots` slots from slot `index` of a pool whose
    /// masked `tbl_dma_addr` lies `tblSlots` slots into its window (`nr_slots()` of it) run past the
    /// window's end of `maxSlots` (`swiotlbMaxSlots`) slots, so the search passes the run over.
    /// Unsigned long arithmetic; the kernel BUG()s unless `maxSlots` is a power of two.
    @inlinable public func swiotlbSpanCrossesBoundary(index: Word, nslots: Word, tblSlots: Word, maxSlots: Word) -> Boolean {
        let into = bitAnd(add(tblSlots, index), subtract(maxSlots, constant(UInt64(1))))
        return lessThan(maxSlots, add(into, nslots))
    }

    /// `swiotlb_search_pool_area()`: whether a run of slots starting at `slotAddress` may hold an
    /// allocation for `orig` (before looking at free counts).
    @inlinable public func swiotlbSlotSuitable(slotAddress: Word, orig: Word, alignMask: Word, iotlbAlignMask: Word) -> Boolean {
        and(
            isZero(bitAnd(slotAddress, alignMask)),
            or(isZero(orig), equal(bitAnd(slotAddress, iotlbAlignMask), bitAnd(orig, iotlbAlignMask))))
    }

    /// `swiotlb_area_find_slots()`: the `alloc_size` recorded in the `i`-th slot of an allocation:
    /// the bytes from that slot's start plus the low offset to the end (an `unsigned int`).
    @inlinable public func swiotlbSlotAllocSize(allocSize: Word, offsetLow: Word, slot i: Word) -> Word {
        bitAnd(subtract(allocSize, add(offsetLow, shiftLeft(i, IOTLB.shift))), constant(UInt64(0xFFFF_FFFF)))
    }

    /// `swiotlb_tbl_map_single()`: the `orig_addr` recorded in the `i`-th slot of a mapping.
    @inlinable public func swiotlbSlotOrigAddress(orig: Word, slot i: Word) -> Word {
        add(orig, shiftLeft(i, IOTLB.shift))
    }

    /// `swiotlb_tbl_map_single()`: the bounce address of slot `index` with the kept low offset.
    @inlinable public func swiotlbTlbAddress(poolStart: Word, index: Word, offset: Word) -> Word {
        add(add(poolStart, shiftLeft(index, IOTLB.shift)), offset)
    }

    /// `swiotlb_bounce()`: the original address for a `tlb_addr` inside a slot, from the slot's
    /// recorded `orig_addr` and `alloc_size`. The fixed kernel clamps `size` to what is left of the
    /// allocation; before 868c9ddc182b nothing was checked.
    @inlinable public func swiotlbBounceWindow(
        _ b: BehaviourTerms<Self>, minAlignMask: Word, tlbAddress: Word, slotOrigAddress: Word,
        slotAllocSize: Word, size: Word
    ) -> BounceWindow<Self> {
        let tlbOffset = subtract(
            bitAnd(tlbAddress, constant(IOTLB.slotSize - 1)),
            swiotlbAlignOffset(minAlignMask: minAlignMask, alignMask: constant(0 as UInt64), address: slotOrigAddress))
        let orig = add(slotOrigAddress, tlbOffset)
        // `alloc_size` is an `unsigned int`: the subtraction wraps at 32 bits, which is what makes
        // a partial sync that starts in a later slot come out right.
        let left = bitAnd(subtract(slotAllocSize, tlbOffset), constant(0xFFFF_FFFF as UInt64))
        let clamped = select(lessThan(left, size), left, size)
        return BounceWindow(origAddress: orig, size: select(b.bounceClamped, clamped, size))
    }

    /// `swiotlb_find_slots()` with every pool full: with `CONFIG_SWIOTLB_DYNAMIC` a transient pool
    /// for this request and `swiotlb_dyn_alloc()` scheduled; without it the mapping fails.
    @inlinable public func swiotlbGrowsWhenFull(_ b: BehaviourTerms<Self>) -> Boolean { b.swiotlbDynamic }

    /// `swiotlb_tbl_map_single()` fills the slot from the original buffer.
    @inlinable public func swiotlbCopiesOnMap(_ b: BehaviourTerms<Self>, _ r: MapRequestTerms<Self>) -> Boolean {
        or(b.copyOnMapAllDirections, and(r.deviceReads, not(r.skipCpuSync)))
    }

    /// `swiotlb_sync_single_for_device()` copies the original buffer into the slot.
    @inlinable public func swiotlbCopiesOnSyncForDevice(_ b: BehaviourTerms<Self>, _ r: MapRequestTerms<Self>) -> Boolean {
        or(r.deviceReads, b.syncForDeviceAllDirections)
    }

    /// `swiotlb_sync_single_for_cpu()` copies the slot back into the original buffer.
    @inlinable public func swiotlbCopiesOnSyncForCpu(_ r: MapRequestTerms<Self>) -> Boolean { r.deviceWrites }

    /// `dma_direct_unmap_phys()` syncs for the CPU first unless `DMA_ATTR_SKIP_CPU_SYNC`.
    @inlinable public func swiotlbCopiesOnUnmap(_ r: MapRequestTerms<Self>) -> Boolean {
        and(r.deviceWrites, not(r.skipCpuSync))
    }
}
