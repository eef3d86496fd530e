/// How swiotlb finds a bounce buffer from the address a driver passes, written once over any domain.
extension PolicyDomain {
    /// `swiotlb_find_pool()` (v6.12 include/linux/swiotlb.h) for an address inside a pool the
    /// device's `io_tlb_mem` holds: with `CONFIG_SWIOTLB_DYNAMIC` only once the device has had
    /// slots (`dev->dma_uses_io_tlb`, then `__swiotlb_find_pool()` over every pool); without it,
    /// only when the address lies in `mem->defpool` (the default pool, or the device's
    /// restricted-dma-pool).
    @inlinable public func swiotlbFindPoolFinds(usesIoTlb: Boolean, isDefpool: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        select(b.swiotlbDynamic, usesIoTlb, isDefpool)
    }
}
