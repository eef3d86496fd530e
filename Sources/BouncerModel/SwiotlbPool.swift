import BouncerPolicy

/// One 2 KiB slot's bookkeeping (`struct io_tlb_slot`).
public struct SwiotlbSlot: Sendable {
    /// `INVALID_PHYS_ADDR` when the slot holds no mapping's data.
    public static let invalid: UInt64 = ~0
    public var origAddr: UInt64 = invalid
    public var allocSize: UInt32 = 0
    public var padSlots: UInt16 = 0
    /// Free slots from here to the end of the segment (`list`); 0 when in use.
    public var list: UInt16 = 0
    /// Which live object holds the slot: a mapping handle or a coherent handle.
    public var mapping: Int32 = -1
    public var coherent: Int32 = -1
}

public enum SwiotlbPoolKind: Sendable, CustomStringConvertible {
    /// The boot-time pool (`io_tlb_default_mem`).
    case defaultPool
    /// A device's `restricted-dma-pool`.
    case restricted
    /// Added by `swiotlb_dyn_alloc()` when the default pool ran short.
    case dynamic
    /// Made for a single mapping by `swiotlb_find_slots()` and freed on unmap.
    case transient

    public var description: String {
        switch self {
        case .defaultPool: "default"
        case .restricted: "restricted-dma-pool"
        case .dynamic: "dynamic"
        case .transient: "transient"
        }
    }
}

/// An `io_tlb_pool`: contiguous pages cut into slots, with the encryption state the kernel
/// recorded for it (the 2026 series' `unencrypted`), and its slots cut into `nareas` areas of
/// `areaNslabs` slots (`swiotlb_init_io_tlb_pool()`), each with its own search index and used
/// count (`struct io_tlb_area`; `SwiotlbAreas` has the arithmetic and its commits).
public struct SwiotlbPool: Sendable {
    /// The default pool's slots as `swiotlb=` gives them at boot, before the area count rounds
    /// them up (`round_up_default_nslabs()`).
    public static let defaultSlots = 128
    public static let restrictedSlots = 64
    /// The most areas a pool of the model's memory can have: no zone holds 512 slots (256 pages),
    /// and `limit_nareas()` leaves at least 128 slots an area, so 2 is the most reached.
    public static let maxAreas = 4

    public var kind: SwiotlbPoolKind
    public var firstPage: Int
    public var pageCount: Int
    public var start: UInt64
    public var slots: [SwiotlbSlot]
    /// `nareas` and `area_nslabs`: areas are equal runs of slots, area `a` from `a * areaNslabs`.
    public private(set) var nareas = 1
    public private(set) var areaNslabs: Int
    /// Per area, the next search start relative to the area (`area->index`) and the slots in use
    /// (`area->used`); fixed vectors, so a mapping allocates nothing.
    public private(set) var areaIndex = SIMD4<Int>()
    /// Signed, as the kernel's unsigned `used` wraps: a release of slots a wrong address names
    /// (`unmapByAddress`) can take more than the area holds, and the search's `area_nslabs - used`
    /// then allows more. It never rises above `area_nslabs` (an allocation needs room by the count),
    /// so the signed test answers as the kernel's unsigned one.
    public private(set) var areaUsed = SIMD4<Int>()
    public var decrypted = false
    /// False once a conversion of the pool's memory failed and the kernel knows it: the pages
    /// have no single encryption state, so no request may use them (series: "handle
    /// set_memory_decrypted() failures").
    public var usable = true
    /// `set_memory_decrypted()` succeeded on the whole pool although its recorded state may say
    /// otherwise: `rmem_swiotlb_device_init()` decrypts a restricted-dma-pool whatever
    /// `cc_platform_has()` says, so on a mainline pKVM guest it is shared (`MEM_SHARE`) and
    /// recorded encrypted.
    public var madeShared = false
    public var live = true
    /// Where a transient pool's memory came from, if an atomic pool.
    public var atomicSource: Int?
    /// The device a transient pool was made for: it sits on that device's `dma_io_tlb_pools`,
    /// where `__swiotlb_find_pool()` looks for it.
    public var transientDevice: Int?

    public var pages: Range<Int> { firstPage ..< firstPage + pageCount }
    public var end: UInt64 { start + UInt64(slots.count) << IOTLB.shift }
    /// Slots in use in the whole pool (`mem_pool_used()`: the areas' sum).
    public var used: Int { areaUsed.wrappedSum() }

    init(kind: SwiotlbPoolKind, firstPage: Int, slotCount: Int, nareas: Int = 1) {
        precondition(nareas >= 1 && nareas <= Self.maxAreas, "a pool of \(nareas) areas")
        self.kind = kind
        self.firstPage = firstPage
        pageCount = Self.pages(forSlots: slotCount)
        start = GuestMemory.phys(ofPage: firstPage)
        slots = Array(repeating: SwiotlbSlot(), count: slotCount)
        self.nareas = nareas
        areaNslabs = slotCount / nareas
        // swiotlb_init_io_tlb_pool(): free counts run to the end of each 128-slot segment.
        for i in 0 ..< slotCount {
            slots[i].list = UInt16(min(IOTLB.segmentSlots - (i & (IOTLB.segmentSlots - 1)), slotCount - i))
        }
    }

    public func contains(_ phys: UInt64) -> Bool { phys >= start && phys < end }

    /// Pages that hold `slots` slots.
    static func pages(forSlots slots: Int) -> Int { (slots * Int(IOTLB.slotSize) + 4095) / 4096 }

    /// `nr_slots()`.
    static func slotsFor(_ bytes: UInt64) -> Int { Int(ConcreteDomain().swiotlbSlotCount(bytes)) }

    /// `swiotlb_search_pool_area()` over area `area` (v6.12 kernel/dma/swiotlb.c): the first run
    /// of `nslots` free slots whose start, as the device addresses it from `tblDmaAddress`
    /// (`swiotlbTblDmaAddress`), satisfies the alignment masks and that stays inside one window of
    /// the device's segment boundary (`boundaryMask`, `dma_get_seg_boundary()`), searching from the
    /// area's index in strides and wrapping to the area's first slot (`wrap_area_index()`), never
    /// past the area's `areaNslabs` slots checked (7c3940bf81e5). Slot addresses, the boundary test
    /// and the free counts use the pool-wide index (`slot_base + index`), which is what it returns.
    /// The boundary masks `tbl_dma_addr` before anything is tested on it, and a run that
    /// `iommu_is_span_boundary()` says crosses a window's end is passed over by a stride, like a
    /// run with too few free slots.
    func search(
        _ b: BehaviourTerms<ConcreteDomain>, area: Int, tblDmaAddress: UInt64, boundaryMask: UInt64, orig: UInt64,
        allocSize: UInt64, allocAlignMask: UInt64, minAlignMask: UInt64
    ) -> Int? {
        let d = ConcreteDomain()
        let nslots = Self.slotsFor(allocSize)
        let areaSlots = areaNslabs
        guard nslots > 0, nslots <= areaSlots - areaUsed[area], nslots <= IOTLB.segmentSlots else { return nil }
        let (alignMask, iotlbAlignMask) = d.swiotlbSearchMasks(
            b, allocAlignMask: allocAlignMask, minAlignMask: minAlignMask, allocSize: allocSize)
        let stride = Int(max(alignMask, iotlbAlignMask) >> IOTLB.shift) + 1
        let tbl = tblDmaAddress & boundaryMask
        let maxSlots = SegmentBoundary.maxSlots(boundaryMask)
        // nr_slots(tbl_dma_addr): where in its boundary window the pool starts, in slots.
        let tblSlots = d.swiotlbSlotCount(tbl)
        let base = area * areaSlots
        // wrap_area_index(): the search wraps to the start of the area, not modulo.
        func wrap(_ i: Int) -> Int { i >= areaSlots ? 0 : i }
        var idx = areaIndex[area]
        var checked = 0
        while checked < areaSlots {
            let slot = base + idx
            let t = tbl &+ UInt64(slot) << IOTLB.shift
            if !d.swiotlbSlotSuitable(slotAddress: t, orig: orig, alignMask: alignMask, iotlbAlignMask: iotlbAlignMask) {
                idx = wrap(idx + 1)
                checked += 1
                continue
            }
            if !SegmentBoundary.crossed(index: slot, nslots: nslots, tblSlots: tblSlots, maxSlots: maxSlots),
                Int(slots[slot].list) >= nslots
            {
                return slot
            }
            idx = wrap(idx + stride)
            checked += stride
        }
        return nil
    }

    /// Marks `nslots` slots from `s` (a pool-wide index `search` returned) used, recording each
    /// slot's remaining `alloc_size`, fixes the free counts of the slots before it in the segment,
    /// and moves on the index and used count of the area the run starts in.
    mutating func allocate(at s: Int, allocSize: UInt64, offsetLow: UInt64) {
        let d = ConcreteDomain()
        let nslots = Self.slotsFor(allocSize)
        for i in s ..< s + nslots {
            slots[i].list = 0
            slots[i].allocSize = UInt32(d.swiotlbSlotAllocSize(allocSize: allocSize, offsetLow: offsetLow, slot: UInt64(i - s)))
        }
        var count: UInt16 = 0
        var i = s - 1
        while i >= 0, d.swiotlbCountsBackward(slot: UInt64(i), list: UInt64(slots[i].list)) {
            count += 1
            slots[i].list = count
            i -= 1
        }
        // The area's next search starts after the run (wrapped inside the area).
        let area = s / areaNslabs
        let next = s - area * areaNslabs + nslots
        areaIndex[area] = next >= areaNslabs ? 0 : next
        areaUsed[area] += nslots
    }

    /// `swiotlb_release_slots()`: frees the slots of the allocation at slot `idx` (after its padding
    /// slots), padding included, merges the free counts, and gives the slots back to the area the
    /// allocation starts in (`index / area_nslabs`), whatever CPU frees them.
    mutating func release(slotIndex idx: Int, offsetLow: UInt64) -> Int {
        let d = ConcreteDomain()
        let first = idx - Int(slots[idx].padSlots)
        // An address the mapping did not return can name a slot whose count runs past the pool
        // (the kernel then writes beyond `mem->slots`); the model stops at the pool's end.
        let n = min(Self.slotsFor(UInt64(slots[first].allocSize) + offsetLow), slots.count - first)
        let after = first + n < slots.count ? UInt64(slots[first + n].list) : 0
        var count = UInt16(d.swiotlbReleaseCarry(index: UInt64(first), nslots: UInt64(n), listAfter: after))
        var i = first + n - 1
        while i >= first {
            count += 1
            slots[i] = SwiotlbSlot(list: count)
            i -= 1
        }
        while i >= 0, d.swiotlbCountsBackward(slot: UInt64(i), list: UInt64(slots[i].list)) {
            count += 1
            slots[i].list = count
            i -= 1
        }
        let area = first / areaNslabs
        areaUsed[area] -= n
        return n
    }
}
