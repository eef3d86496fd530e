/// The guest's boot configuration as far as swiotlb's areas see it: how many CPUs the kernel may
/// ever run (`num_possible_cpus()`) and the `<areas>` of the `swiotlb=<slots>,<areas>` command
/// line. The standard one (one CPU, no area count) boots one area.
public struct SwiotlbBoot: Hashable, Sendable, CustomStringConvertible {
    /// `num_possible_cpus()`.
    public let possibleCpus: Int
    /// The `<areas>` `setup_io_tlb_npages()` reads, nil when the command line gives none and
    /// `swiotlb_init_remap()` takes one area per possible CPU.
    public let areasParameter: Int?

    init(possibleCpus: Int, areasParameter: Int?) {
        self.possibleCpus = possibleCpus
        self.areasParameter = areasParameter
    }

    public static let standard = all[0]
    /// The most CPUs a configuration has: the CPUs `migrateToCpu` can name.
    public static let maxPossibleCpus = 4

    /// Every configuration the model boots, the standard one first; a scenario names one by its
    /// place here, so the list only grows at the end. Only those whose default pool the model's
    /// memory holds: `swiotlb=128` grows to 128 slots an area, and 4 areas
    /// (512 slots, 256 pages) fit in no zone of its 320 pages; 512 slots is `IO_TLB_MIN_SLABS`, so
    /// 6.12's `swiotlb_init_remap()` returns at the first failure, without halving, and boots with
    /// no default pool, a state the model does not have. So 3 or 4 CPUs come with `swiotlb=…,1`
    /// or `,2`, and every pool has one or two areas.
    public static let all: [SwiotlbBoot] = [
        SwiotlbBoot(possibleCpus: 1, areasParameter: nil), SwiotlbBoot(possibleCpus: 2, areasParameter: nil),
        SwiotlbBoot(possibleCpus: 1, areasParameter: 2), SwiotlbBoot(possibleCpus: 2, areasParameter: 1),
        SwiotlbBoot(possibleCpus: 3, areasParameter: 2), SwiotlbBoot(possibleCpus: 4, areasParameter: 2),
        SwiotlbBoot(possibleCpus: 3, areasParameter: 1), SwiotlbBoot(possibleCpus: 4, areasParameter: 1),
        SwiotlbBoot(possibleCpus: 1, areasParameter: 1), SwiotlbBoot(possibleCpus: 2, areasParameter: 2),
    ]

    /// Its place in `all`.
    public var index: Int { Self.all.firstIndex(of: self)! }

    public var description: String {
        "\(possibleCpus) possible CPU\(possibleCpus == 1 ? "" : "s")" + (areasParameter.map { ", swiotlb=128,\($0)" } ?? "")
    }
}

/// swiotlb's area arithmetic (v6.12 kernel/dma/swiotlb.c). Areas came with 20347fca71a3
/// ("swiotlb: split up the global swiotlb lock", v6.0): a pool's slots are cut into `nareas`
/// equal areas, each with its own search index and used count, and a mapping starts its search in
/// the area of the CPU it runs on. 8ac04063354a (v6.5) keeps an area at least one segment long
/// (`limit_nareas()`); aabd12609f91 (v6.5) sets the area count before the pool is sized; 7c3940bf81e5
/// (v6.3) bounds the search of one area by the slots it checked, wrapping inside the area.
public enum SwiotlbAreas {
    /// `swiotlb_adjust_nareas()`: zero means one area; otherwise rounded up to a power of two.
    public static func adjustNareas(_ nareas: Int) -> Int { max(nareas, 1).nextPowerOfTwo }

    /// `round_up_default_nslabs()`: a pool of `nareas` areas has at least one segment per area,
    /// and its slot count is rounded up to a power of two.
    public static func roundUpDefaultNslabs(_ nslabs: Int, nareas: Int) -> Int {
        if nslabs < IOTLB.segmentSlots * nareas { return IOTLB.segmentSlots * nareas }
        return nslabs.nextPowerOfTwo
    }

    /// `limit_nareas()` (8ac04063354a): no more areas than whole segments in `nslots`.
    public static func limitNareas(_ nareas: Int, nslots: Int) -> Int {
        nslots < nareas * IOTLB.segmentSlots ? nslots / IOTLB.segmentSlots : nareas
    }

    /// The retry after a failed pool allocation (`swiotlb_init_remap()`, `swiotlb_alloc_pool()`):
    /// half the slots, rounded up to a whole segment.
    public static func halved(_ nslabs: Int) -> Int {
        let half = nslabs >> 1
        return (half + IOTLB.segmentSlots - 1) / IOTLB.segmentSlots * IOTLB.segmentSlots
    }

    /// `IO_TLB_MIN_SLABS`: 1 MiB of slots; a pool at or below it is not shrunk further.
    public static let minSlabs = (1 << 20) >> Int(IOTLB.shift)

    /// `SLABS_PER_PAGE << MAX_PAGE_ORDER`: the most slots `swiotlb_alloc_pool()` asks the page
    /// allocator for at once (4 MiB, x86's `MAX_PAGE_ORDER` 10).
    public static let maxPoolSlabs = (4096 >> Int(IOTLB.shift)) << 10

    /// The area a search starts in: `raw_smp_processor_id() & (nareas - 1)` (`swiotlb_find_slots()`,
    /// `swiotlb_search_area()`), then the next ones in turn.
    public static func area(cpu: Int, offset: Int, nareas: Int) -> Int { (cpu + offset) & (nareas - 1) }
}

extension Int {
    /// `roundup_pow_of_two()` (and `1 << get_order()` in pages): 1 for 0 and 1.
    public var nextPowerOfTwo: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}
