import BouncerPolicy

/// One of `atomic_pool_dma`, `atomic_pool_dma32`, `atomic_pool_kernel`: a `gen_pool` of whole
/// pages handed out to callers that cannot sleep, with the encryption state the kernel recorded.
public struct AtomicPool: Sendable {
    /// Pages added per `atomic_pool_expand()`.
    public static let chunkPages = 16

    public var zone: Zone
    public var decrypted: Bool
    /// Contiguous page runs added by each expansion, and which of their pages are handed out.
    public var chunks: [(first: Int, count: Int, used: UInt64)] = []

    public var totalPages: Int { chunks.reduce(0) { $0 + $1.count } }
    public var freePages: Int { chunks.reduce(0) { $0 + $1.count - $1.used.nonzeroBitCount } }
    public func contains(_ page: Int) -> Bool { chunks.contains { page >= $0.first && page < $0.first + $0.count } }
}

extension DmaLayer {
    /// `dma_atomic_pool_init()` for one zone: create the pool and fill it once.
    mutating func dmaAtomicPoolInit(_ zone: Zone) {
        atomicPools.append(AtomicPool(zone: zone, decrypted: false))
        atomicPoolExpand(atomicPools.count - 1)
    }

    /// `atomic_pool_expand()`: allocate a chunk in the pool's zone, decrypt it when the policy
    /// says so (`atomicPoolExpandDecrypts`), add it to the pool; the first chunk fixes the pool's
    /// state (`atomicPoolDecrypted`). A failed decryption leaks the chunk, or frees it where v6.12's
    /// `remove_mapping` path does (`atomicPoolLeaksAfterDecryptFailure`). Like the kernel, it
    /// halves the block until alloc_pages() finds one, in the pool's zone or the zones below it
    /// (the zonelist fallback).
    mutating func atomicPoolExpand(_ pool: Int, pages requested: Int = AtomicPool.chunkPages) {
        let zone = atomicPools[pool].zone
        var count = requested
        var found = memory.findFreePages(count, highest: zone)
        while found == nil && count > 1 {
            count /= 2
            found = memory.findFreePages(count, highest: zone)
        }
        guard let first = found else { return }
        let pages = first ..< first + count
        takePages(pages, .atomicPool(pool))
        let wasEmpty = atomicPools[pool].chunks.isEmpty
        let decrypt = d.atomicPoolExpandDecrypts(
            platformTerms, poolDecrypted: atomicPools[pool].decrypted, empty: wasEmpty, behaviourTerms)
        if decrypt && !setMemoryDecrypted(pages) {
            disposeAfterFailedConversion(
                pages, leak: d.atomicPoolLeaksAfterDecryptFailure(platformTerms, behaviourTerms), reason: .decryptFailed)
            return
        }
        if wasEmpty { atomicPools[pool].decrypted = d.atomicPoolDecrypted(platformTerms, behaviourTerms) }
        atomicPools[pool].chunks.append((first, count, 0))
    }

    /// `atomic_pool_work_fn()` → `atomic_pool_resize()`: every pool with less free than its boot
    /// size (`atomic_pool_size`, one chunk) grows by its whole size, `get_order()` pages (v6.12
    /// kernel/dma/pool.c; a chunk's bitmap holds 64 pages, which caps the growth here).
    mutating func atomicPoolWork() {
        for pool in atomicPools.indices where atomicPools[pool].freePages < AtomicPool.chunkPages {
            atomicPoolExpand(pool, pages: min(max(atomicPools[pool].totalPages, 1).nextPowerOfTwo, 64))
        }
    }

    /// `dma_guess_pool()` order for a zone: the request's own zone first, then the others. Pool i
    /// serves zone i (`dmaAtomicPoolInit` makes them in `Zone` order).
    static let atomicPoolOrder: [[Int]] = [[0, 1, 2], [1, 0, 2], [2, 1, 0]]

    /// `dma_alloc_from_pool()`: the first pool in `dma_guess_pool()` order whose state the request
    /// accepts (strict selection) and whose memory fits the zone, zeroed on the way out.
    /// `fits` is the caller's `phys_addr_ok` (dma-direct's `dma_coherent_ok()`): a pool whose first
    /// fit the device cannot reach gives it back, and the next pool is tried.
    mutating func atomicPoolAlloc(
        pages: Int, zone: Zone, wantShared: Bool, fits: (Int) -> Bool = { _ in true }
    ) -> (pool: Int, first: Int)? {
        for pool in Self.atomicPoolOrder[zone.rawValue] where pool < atomicPools.count {
            guard d.atomicPoolServes(poolDecrypted: atomicPools[pool].decrypted, wantShared: wantShared, behaviourTerms),
                atomicPools[pool].zone.rawValue <= zone.rawValue
            else { continue }
            // gen_pool_alloc() walks the chunk list newest first (gen_pool_add_virt adds at the head).
            search: for c in atomicPools[pool].chunks.indices.reversed() {
                let chunk = atomicPools[pool].chunks[c]
                let want: UInt64 = pages >= 64 ? ~0 : (1 << UInt64(pages)) - 1
                var start = 0
                while start + pages <= chunk.count {
                    if chunk.used & (want << UInt64(start)) == 0 {
                        guard fits(chunk.first + start) else { break search }
                        atomicPools[pool].chunks[c].used |= want << UInt64(start)
                        // __dma_alloc_from_pool() schedules the resize below the boot size.
                        if atomicPools[pool].freePages < AtomicPool.chunkPages { atomicPoolWorkPending = true }
                        let first = chunk.first + start
                        let (lo, hi) = GuestMemory.byteRange(ofPages: first ..< first + pages)
                        memory.contents.fill(lo, hi, .zero)
                        events.append(.poolServed(
                            .atomic(pool), phys: PhysAddr(GuestMemory.phys(ofPage: first)),
                            size: UInt64(pages) << GuestMemory.pageShift, wantShared: wantShared))
                        return (pool, first)
                    }
                    // gen_pool_first_fit_order_align(): starts at multiples of the request's
                    // size rounded up to a power of two, from the chunk's start.
                    start += pages.nextPowerOfTwo
                }
            }
        }
        return nil
    }

    /// `dma_free_from_pool()`: give pages back to the pool that holds them.
    mutating func atomicPoolFree(_ pool: Int, pages: Range<Int>) {
        for c in atomicPools[pool].chunks.indices {
            let chunk = atomicPools[pool].chunks[c]
            guard pages.lowerBound >= chunk.first, pages.upperBound <= chunk.first + chunk.count else { continue }
            let bits: UInt64 = pages.count >= 64 ? ~0 : (1 << UInt64(pages.count)) - 1
            atomicPools[pool].chunks[c].used &= ~(bits << UInt64(pages.lowerBound - chunk.first))
            return
        }
    }

    /// `dma_direct_optimal_gfp_mask()`: GFP_DMA up to `zone_dma_limit` (DMA_BIT_MASK(24) on x86),
    /// GFP_DMA32 up to 4 GiB, else any zone.
    func gfpZone(forMask mask: UInt64) -> Zone {
        if mask <= 0xFF_FFFF { return .dma }
        if mask <= 0xFFFF_FFFF { return .dma32 }
        return .normal
    }

    /// Runs deferred work, as the workqueue eventually would: pool top-ups and swiotlb growth.
    public mutating func runDeferredWork() {
        if atomicPoolWorkPending {
            atomicPoolWorkPending = false
            atomicPoolWork()
        }
        if swiotlbGrowPending { swiotlbDynAlloc() }
    }
}
