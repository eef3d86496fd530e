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
    /// A TDX guest (every mapping bounces) with one untrusted device, booted with `boot`.
    static func system(_ boot: SwiotlbBoot) -> DmaLayer {
        var s = DmaLayer(platform: .tdx, behaviours: Profile.linuxUpstream.behaviours, boot: boot)
        s.probeDevice(untrusted)
        return s
    }

    /// Two possible CPUs and no `swiotlb=` area count: two areas.
    static let twoCpus = SwiotlbBoot.all[1]

    /// Maps a new buffer of `size` bytes; the default pool's slot its bounce starts at, or nil.
    static func slot(_ s: inout DmaLayer, size: UInt32 = 2048) -> Int? {
        guard let b = s.kmalloc(size: size),
            let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: size, direction: .toDevice, attrs: []),
            let pool = s.mappings[m].bouncePool, s.swiotlbPools[pool].kind == .defaultPool
        else { return nil }
        return Int((s.mappings[m].tlbAddress - s.swiotlbPools[pool].start) >> IOTLB.shift)
    }

    /// Moves the driver's task to `cpu`, which the boot must have.
    static func move(_ s: inout DmaLayer, _ cpu: Int) {
        let moved = s.migrateToCpu(cpu)
        #expect(moved, "CPU \(cpu)")
    }

    static func expectSlot(_ s: inout DmaLayer, size: UInt32 = 2048, is expected: Int?, sourceLocation: SourceLocation = #_sourceLocation) {
        let got = slot(&s, size: size)
        #expect(got == expected, sourceLocation: sourceLocation)
    }

    /// `swiotlb=128` grows to a segment per area (`round_up_default_nslabs()`) and the pool keeps
    /// that size wherever it fits: 128 slots for one area, 256 for two, `default_nslabs` after.
    @Test(arguments: SwiotlbBoot.all)
    func theDefaultPoolHasASegmentPerArea(_ boot: SwiotlbBoot) {
        let s = Self.system(boot)
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
        let s = Self.system(.standard)
        #expect(s.swiotlbPools[0].nareas == 1)
        #expect(s.swiotlbPools[0].slots.count == SwiotlbPool.defaultSlots)
        #expect(s.cpu == 0)
    }

    /// On CPU 1 the search starts in area 1 (`raw_smp_processor_id() & (nareas - 1)`), at its
    /// own index; CPU 0's searches go on in area 0 meanwhile.
    @Test func eachCpuSearchesItsOwnAreaFirst() {
        var s = Self.system(Self.twoCpus)
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
        var s = Self.system(SwiotlbBoot.all[5])
        #expect(s.boot.possibleCpus == 4 && s.swiotlbPools[0].nareas == 2)
        Self.move(&s, 3)
        Self.expectSlot(&s, is: 128)
        Self.move(&s, 2)
        Self.expectSlot(&s, is: 0)
    }

    /// With area 1 full, CPU 1's next search wraps to area 0; a whole-segment bounce (128 slots)
    /// fits no area that holds anything.
    @Test func aFullAreaSendsTheSearchToTheNext() {
        var s = Self.system(Self.twoCpus)
        Self.move(&s, 1)
        Self.expectSlot(&s, size: 128 * 2048, is: 128)
        #expect(s.swiotlbPools[0].areaUsed[1] == 128)
        Self.expectSlot(&s, is: 0)
        Self.expectSlot(&s, size: 128 * 2048, is: nil)
    }

    /// A release gives the slots to the area the allocation starts in (`index / area_nslabs`),
    /// whichever CPU unmaps.
    @Test func anUnmapOnAnotherCpuGivesSlotsBackToTheirArea() throws {
        var s = Self.system(Self.twoCpus)
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
        var s = Self.system(.standard)
        let moved = s.migrateToCpu(1)
        #expect(!moved)
        #expect(s.cpu == 0)
    }

    /// `swiotlb_dyn_alloc()` asks for `default_nslabs` slots in `default_nareas` areas: the
    /// default pool's size, not a fixed 64. With two areas that is 256 slots (128 pages), which
    /// ZONE_DMA32 no longer has beside the default pool: no dynamic pool (the retry stops at
    /// `IO_TLB_MIN_SLABS`).
    @Test(arguments: [(SwiotlbBoot.standard, true), (twoCpus, false)])
    func theDynamicPoolIsTheDefaultPoolsSize(_ boot: SwiotlbBoot, grows: Bool) throws {
        var s = Self.system(boot)
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
}
