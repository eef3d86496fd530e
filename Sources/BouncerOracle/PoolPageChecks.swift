import BouncerModel

/// SAFE-LIFECYCLE for the atomic pools' pages: a page a pool still lists in one of its chunks is
/// never given to the page allocator. The pool would hand it out again while the page allocator
/// gives it to another holder, and the pool's remapped alias still maps it. (A chunk whose
/// decryption failed in `atomic_pool_expand()` is freed before it joins the pool.)
enum PoolPageChecks {
    static func check(_ event: Event, _ system: DmaLayer, _ step: Int) -> Violation? {
        guard case .freed(let pages) = event else { return nil }
        for page in pages.rawRange {
            guard let pool = system.atomicPools.indices.first(where: { system.atomicPools[$0].contains(page) }) else { continue }
            return Violation(
                invariant: .safeLifecycle, site: .freedPage, step: step,
                location: "page \(page) (\(hex(GuestMemory.phys(ofPage: page))))",
                detail: "freed to the page allocator while atomic pool \(pool) still lists it in a chunk", page: page)
        }
        return nil
    }
}
