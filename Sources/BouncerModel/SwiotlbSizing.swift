import BouncerPolicy

extension DmaLayer {
    /// The default pool's size and areas as x86 boot makes them (v6.12 kernel/dma/swiotlb.c):
    /// `setup_io_tlb_npages()` reads `swiotlb=<slots>[,<areas>]` (the model's `defaultSlots`, and
    /// the boot's area count, which `swiotlb_adjust_nareas()` rounds up to a power of two and
    /// `round_up_default_nslabs()` widens the pool to, a segment per area); `swiotlb_init_remap()`
    /// takes one area per possible CPU when the command line gave none (aabd12609f91), limits the
    /// areas to whole segments (`limit_nareas()`, 8ac04063354a), and halves the pool while
    /// `memblock_alloc_low()` cannot place it, down to `IO_TLB_MIN_SLABS`. What it kept becomes
    /// `default_nslabs`; `default_nareas` stays as asked. Returns the pool.
    mutating func swiotlbInitRemap() -> Int {
        var nslabs = SwiotlbPool.defaultSlots
        var defaultAreas = 0
        if let asked = boot.areasParameter {
            defaultAreas = SwiotlbAreas.adjustNareas(asked)
            nslabs = SwiotlbAreas.roundUpDefaultNslabs(nslabs, nareas: defaultAreas)
        }
        if defaultAreas == 0 {
            defaultAreas = SwiotlbAreas.adjustNareas(boot.possibleCpus)
            nslabs = SwiotlbAreas.roundUpDefaultNslabs(nslabs, nareas: defaultAreas)
        }
        var nareas = SwiotlbAreas.limitNareas(defaultAreas, nslots: nslabs)
        while true {
            if let pool = createSwiotlbPool(kind: .defaultPool, slots: nslabs, nareas: nareas, zone: .dma32) {
                defaultNslabs = nslabs
                defaultNareas = defaultAreas
                return pool
            }
            // SwiotlbBoot.all holds only configurations whose pool the model's memory places.
            precondition(nslabs > SwiotlbAreas.minSlabs, "swiotlb: no default pool for \(boot)")
            nslabs = SwiotlbAreas.halved(nslabs)
            nareas = SwiotlbAreas.limitNareas(nareas, nslots: nslabs)
        }
    }

    /// `swiotlb_alloc_pool()` for `swiotlb_dyn_alloc()`: `default_nslabs` slots in `default_nareas`
    /// areas (at most `SLABS_PER_PAGE << MAX_PAGE_ORDER` slots, areas then limited), halved while
    /// the pages cannot be had and the pool is above `IO_TLB_MIN_SLABS` (the minimum asked for), with
    /// `limit_nareas()` on each retry. Pages from ZONE_DMA32 (`mem->phys_limit` on x86 without
    /// `SWIOTLB_ANY`). The pool's areas are not limited before the first try, as in 6.12.
    mutating func swiotlbAllocDynamicPool() -> Int? {
        var nslabs = defaultNslabs
        var nareas = defaultNareas
        if nslabs > SwiotlbAreas.maxPoolSlabs {
            nslabs = SwiotlbAreas.maxPoolSlabs
            nareas = SwiotlbAreas.limitNareas(nareas, nslots: nslabs)
        }
        while true {
            if let pool = createSwiotlbPool(kind: .dynamic, slots: nslabs, nareas: nareas, zone: .dma32, zeroed: false) {
                return pool
            }
            if nslabs <= SwiotlbAreas.minSlabs { return nil }
            nslabs = SwiotlbAreas.halved(nslabs)
            nareas = SwiotlbAreas.limitNareas(nareas, nslots: nslabs)
        }
    }

    /// The scheduler moves the driver's task to `cpu`: its later DMA calls
    /// start their slot search in that CPU's area. False, and nothing moves, for a CPU that is not
    /// possible (`cpu >= num_possible_cpus()`).
    public mutating func migrateToCpu(_ cpu: Int) -> Bool {
        guard cpu >= 0, cpu < boot.possibleCpus else { return false }
        self.cpu = cpu
        return true
    }
}
