import BouncerModel

/// SAFE-LIFECYCLE for the atomic pools' pages: a page a pool still lists in one of its chunks is
/// never given to the page allocator. The pool would hand it out again while the page allocator
/// gives it to another holder, and the pool's remapped alias still maps it. (A chunk whose
/// decryption failed in `atomic_pool_expand()` is freed before it joins the pool.)
enum PoolPageChecks {
    /// The first freed page a pool still lists, with the first pool that lists it: found from
    /// each chunk's overlap with the freed pages, a few comparisons a chunk, rather than every
    /// pool's chunks searched for every freed page.
    static func check(_ event: Event, _ system: DmaLayer, _ step: Int) -> Violation? {
        guard case .freed(let pages) = event else { return nil }
        let freed = pages.rawRange
        var page = Int.max, pool = -1
        for p in system.atomicPools.indices {
            for chunk in system.atomicPools[p].chunks {
                let lo = max(freed.lowerBound, chunk.first)
                if lo < min(freed.upperBound, chunk.first + chunk.count), lo < page { (page, pool) = (lo, p) }
            }
        }
        return pool >= 0 ? violation(page, pool, step) : nil
    }

    @inline(never) static func violation(_ page: Int, _ pool: Int, _ step: Int) -> Violation {
        Violation(
            invariant: .safeLifecycle, site: .freedPage, step: step,
            location: "page \(pageName(PageNumber(page)))",
            detail: "freed to the page allocator while atomic pool \(pool) still lists it in a chunk", page: page)
    }
}
