import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

/// swiotlb's areas (v6.12 `swiotlb_init_remap()`, `swiotlb_find_slots()`,
/// `swiotlb_search_pool_area()`, `swiotlb_release_slots()`): the default pool's size and area
/// count follow the boot's CPUs and `swiotlb=` area count, a search starts in the area of the CPU
/// the driver runs on and tries the others in turn, and a release gives slots back to the area
/// they were taken from. On one area (the old model) every answer below would be slot 0, 1, 2...
@Suite struct SwiotlbAreaTests {
    /// Two possible CPUs and no `swiotlb=` area count: two areas.
    static let twoCpus = SwiotlbBoot.all[1]

    /// Moves the driver's task to `cpu`, which the boot must have.
    static func move(_ s: inout DmaLayer, _ cpu: Int) {
        let moved = s.migrateToCpu(cpu)
        #expect(moved, "CPU \(cpu)")
    }

    static func expectSlot(_ s: inout DmaLayer, size: UInt32 = 2048, is expected: Int?, sourceLocation: SourceLocation = #_sourceLocation) {
        let got = bounceSlot(&s, size: size, defaultPoolOnly: true)
        #expect(got == expected, sourceLocation: sourceLocation)
    }

    /// `swiotlb=128` grows to a segment per area (`round_up_default_nslabs()`) and the pool keeps
    /// that size wherever it fits: 128 slots for one area, 256 for two, `default_nslabs` after.
    @Test(arguments: SwiotlbBoot.all)
    func theDefaultPoolHasASegmentPerArea(_ boot: SwiotlbBoot) {
        let s = system(boot: boot)
        let pool = s.swiotlbPools[0]
        let areas = SwiotlbAreas.adjustNareas(boot.areasParameter ?? boot.possibleCpus)
        #expect(pool.kind == .defaultPool)
        #expect(pool.nareas == areas)
        #expect(pool.slots.count == 128 * areas)
        #expect(pool.areaNslabs == 128)
        #expect(s.defaultNslabs == pool.slots.count)
        #expect(s.defaultNareas == areas)
    }

    /// The standard boot is the model before areas: one area of 128 slots, CPU 0.
    @Test func theStandardBootIsOneAreaOnCpuZero() {
        let s = system(boot: .standard)
        #expect(s.swiotlbPools[0].nareas == 1)
        #expect(s.swiotlbPools[0].slots.count == SwiotlbPool.defaultSlots)
        #expect(s.cpu == 0)
    }

    /// On CPU 1 the search starts in area 1 (`raw_smp_processor_id() & (nareas - 1)`), at its
    /// own index; CPU 0's searches go on in area 0 meanwhile.
    @Test func eachCpuSearchesItsOwnAreaFirst() {
        var s = system(boot: Self.twoCpus)
        Self.expectSlot(&s, is: 0)
        Self.move(&s, 1)
        Self.expectSlot(&s, is: 128)
        Self.expectSlot(&s, is: 129)
        Self.move(&s, 0)
        Self.expectSlot(&s, is: 1)
        #expect(s.swiotlbPools[0].areaUsed[0] == 2)
        #expect(s.swiotlbPools[0].areaUsed[1] == 2)
    }

    /// A CPU past the boot's areas starts in `cpu & (nareas - 1)`: CPU 3 of four, two areas, in
    /// area 1.
    @Test func aCpuPastTheAreasWrapsOntoThem() {
        var s = system(boot: SwiotlbBoot.all[5])
        #expect(s.boot.possibleCpus == 4 && s.swiotlbPools[0].nareas == 2)
        Self.move(&s, 3)
        Self.expectSlot(&s, is: 128)
        Self.move(&s, 2)
        Self.expectSlot(&s, is: 0)
    }

    /// With area 1 full, CPU 1's next search wraps to area 0; a whole-segment bounce (128 slots)
    /// fits no area that holds anything.
    @Test func aFullAreaSendsTheSearchToTheNext() {
        var s = system(boot: Self.twoCpus)
        Self.move(&s, 1)
        Self.expectSlot(&s, size: 128 * 2048, is: 128)
        #expect(s.swiotlbPools[0].areaUsed[1] == 128)
        Self.expectSlot(&s, is: 0)
        Self.expectSlot(&s, size: 128 * 2048, is: nil)
    }

    /// A release gives the slots to the area the allocation starts in (`index / area_nslabs`),
    /// whichever CPU unmaps.
    @Test func anUnmapOnAnotherCpuGivesSlotsBackToTheirArea() throws {
        var s = system(boot: Self.twoCpus)
        Self.move(&s, 1)
        let allocated = s.kmalloc(size: 4096)
        let b = try #require(allocated)
        let mapped = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 4096, direction: .toDevice, attrs: [])
        let m = try #require(mapped)
        #expect(s.swiotlbPools[0].areaUsed == SIMD4(0, 2, 0, 0))
        Self.move(&s, 0)
        s.dmaUnmapPhys(m)
        #expect(s.swiotlbPools[0].areaUsed == SIMD4(0, 0, 0, 0))
        #expect(s.swiotlbPools[0].areaIndex == SIMD4(0, 2, 0, 0))
    }

    /// A CPU the boot does not have is no move: the step is skipped and the CPU stays.
    @Test func aCpuThatIsNotPossibleIsSkipped() {
        let result = run([.migrateToCpu(cpu: 1), .probeDevice(untrusted)])
        #expect(result.trace.first?.contains("skipped") == true, "\(result.trace)")
        var s = system(boot: .standard)
        let moved = s.migrateToCpu(1)
        #expect(!moved)
        #expect(s.cpu == 0)
    }

    /// `swiotlb_dyn_alloc()` asks for `default_nslabs` slots in `default_nareas` areas: the
    /// default pool's size, not a fixed 64. With two areas that is 256 slots (128 pages), which
    /// ZONE_DMA32 no longer has beside the default pool: no dynamic pool (256 slots is below
    /// `IO_TLB_MIN_SLABS`, so `swiotlb_alloc_pool()` does not retry with fewer).
    @Test(arguments: [(SwiotlbBoot.standard, true), (twoCpus, false)])
    func theDynamicPoolIsTheDefaultPoolsSize(_ boot: SwiotlbBoot, grows: Bool) throws {
        var s = system(boot: boot)
        let slots = s.swiotlbPools[0].slots.count
        // Fill the default pool a segment per area, so the next mapping schedules swiotlb_dyn_alloc.
        let allocated = s.kmalloc(size: 128 * 2048)
        let big = try #require(allocated)
        for area in 0 ..< s.swiotlbPools[0].nareas {
            Self.move(&s, area)
            let mapped = s.dmaMapPhys(device: 0, phys: s.buffers[big].phys, size: 128 * 2048, direction: .toDevice, attrs: [])
            let m = try #require(mapped)
            #expect(s.mappings[m].tlbAddress == s.swiotlbPools[0].start + UInt64(area * 128) << IOTLB.shift)
        }
        let small = s.kmalloc(size: 2048)
        let b = try #require(small)
        _ = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 2048, direction: .toDevice, attrs: [])
        #expect(s.swiotlbGrowPending)
        s.runDeferredWork()
        let dynamic = s.swiotlbPools.first { $0.kind == .dynamic }
        #expect((dynamic != nil) == grows)
        if let dynamic {
            #expect(dynamic.slots.count == slots)
            #expect(dynamic.nareas == s.defaultNareas)
        }
    }

    /// `swiotlb_search_area()` walks `mem->pools` from its head, where `add_mem_pool()` puts each
    /// pool (`list_add_rcu()`): once `swiotlb_dyn_alloc()` has added a pool, a mapping lands in it
    /// even though the default pool has room again.
    @Test func theNewestPoolIsSearchedFirst() throws {
        var s = system(boot: .standard)
        let allocated = s.kmalloc(size: 128 * 2048)
        let big = try #require(allocated)
        let mapped = s.dmaMapPhys(device: 0, phys: s.buffers[big].phys, size: 128 * 2048, direction: .toDevice, attrs: [])
        let full = try #require(mapped)
        Self.expectSlot(&s, is: nil)
        s.runDeferredWork()
        let dynamic = try #require(s.swiotlbPools.firstIndex { $0.kind == .dynamic && $0.live })
        s.dmaUnmapPhys(full)
        #expect(s.swiotlbPools[0].used == 0)
        let small = s.kmalloc(size: 2048)
        let b = try #require(small)
        let remapped = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 2048, direction: .toDevice, attrs: [])
        let m = try #require(remapped)
        #expect(s.mappings[m].bouncePool == dynamic)
        #expect(s.mappings[m].tlbAddress == s.swiotlbPools[dynamic].start)
    }

    /// Maps `size` bytes at `phys` for `device`; the mapping.
    static func map(_ s: inout DmaLayer, device: Int = 0, phys: UInt64, size: UInt32) -> Int? {
        s.dmaMapPhys(device: device, phys: phys, size: size, direction: .toDevice, attrs: [])
    }

    /// A search that reaches the end of its area goes on at the area's first slot
    /// (`wrap_area_index()`), not into the next area: with area 0 full from its index on and slot
    /// 0 free, CPU 0's next bounce is slot 0, not slot 128.
    @Test func aSearchWrapsToTheStartOfItsOwnArea() throws {
        var s = system(boot: Self.twoCpus)
        let allocated = s.kmalloc(size: 128 * 2048)
        let buffer = try #require(allocated)
        let phys = s.buffers[buffer].phys
        let a = try #require(Self.map(&s, phys: phys, size: 2048))
        // 126 slots of at least a page start on an even slot: 2, leaving slot 1 free.
        let b = try #require(Self.map(&s, phys: phys, size: 126 * 2048))
        let d = try #require(Self.map(&s, phys: phys, size: 2048))
        #expect([a, b, d].map { s.mappings[$0].tlbAddress } == [0, 2, 1].map { s.swiotlbPools[0].start + UInt64($0) * 2048 })
        #expect(s.swiotlbPools[0].areaIndex[0] == 2)
        s.dmaUnmapPhys(a)
        Self.expectSlot(&s, is: 0)
        #expect(s.swiotlbPools[0].areaUsed == SIMD4(128, 0, 0, 0))
    }

    /// The early check of `swiotlb_search_pool_area()` reads the area's used count, not its slots:
    /// a wrong unmap (`unmapByAddress`, 0x800 below a mapping at slot 128 on a device with a
    /// `min_align_mask`) releases area 0's slot 127 and, its count running one slot on, area 1's
    /// slot 128, and takes both from area 0's count (`index / area_nslabs`). Area 1 still counts
    /// 128 slots, so CPU 1's next bounce passes it over for area 0's slot 127.
    @Test func anAreaWhoseCountIsFullIsPassedOverThoughASlotIsFree() throws {
        var s = system(boot: Self.twoCpus)
        s.probeDevice(DeviceConfig(minAlignMask: 0xfff))
        let allocated = (s.kmalloc(size: 128 * 2048), s.kmalloc(size: 4096))
        let (whole, small) = (try #require(allocated.0), try #require(allocated.1))
        Self.move(&s, 1)
        // min_align_mask 0xfff keeps bit 11 of the buffer's address: 0x7f0 takes an even slot, 0x800 an odd one.
        let victim = try #require(Self.map(&s, device: 1, phys: s.buffers[small].phys + 0x7f0, size: 16))
        let fill = try #require(Self.map(&s, device: 1, phys: s.buffers[whole].phys + 0x800, size: 127 * 2048))
        Self.move(&s, 0)
        let full = try #require(Self.map(&s, phys: s.buffers[whole].phys, size: 128 * 2048))
        let start = s.swiotlbPools[0].start
        #expect([victim, fill, full].map { s.mappings[$0].tlbAddress } == [start + 128 * 2048 + 0x7f0, start + 129 * 2048, start])
        s.dmaUnmapAddress(victim, dma: s.mappings[victim].dma - 0x800, size: 16, direction: .toDevice)
        #expect(s.swiotlbPools[0].areaUsed == SIMD4(126, 128, 0, 0))
        #expect(s.swiotlbPools[0].slots[128].list == 1)
        Self.move(&s, 1)
        Self.expectSlot(&s, is: 127)
    }
}
