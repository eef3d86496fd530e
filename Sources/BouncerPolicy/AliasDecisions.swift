/// What `dma_direct_alloc()` decides about the kernel virtual mapping the CPU uses for a coherent
/// allocation from fresh pages.
public struct RemapDecision<D: PolicyDomain> {
    /// The CPU gets a vmap alias (`dma_common_contiguous_remap()`) instead of the linear map.
    public var remap: D.Boolean
    /// That alias's pgprot carries `pgprot_decrypted` (`dma_pgprot()` for a device that needs
    /// unencrypted DMA).
    public var aliasDecrypted: D.Boolean
    /// The pages themselves are decrypted (`set_memory_decrypted()` on their linear-map alias).
    public var decryptPages: D.Boolean
    /// The allocation comes from an atomic pool because remapping may block.
    public var fromAtomicPool: D.Boolean

    @inlinable init(remap: D.Boolean, aliasDecrypted: D.Boolean, decryptPages: D.Boolean, fromAtomicPool: D.Boolean) {
        self.remap = remap
        self.aliasDecrypted = aliasDecrypted
        self.decryptPages = decryptPages
        self.fromAtomicPool = fromAtomicPool
    }
}

extension PolicyDomain {
    /// `dma_direct_alloc()` for a device `dev_is_dma_coherent()` says is or is not coherent, given
    /// its `dmaDirectAlloc` decision. Under `CONFIG_DMA_DIRECT_REMAP` (arm64) a non-coherent device
    /// gets a vmap alias whose pgprot is `dma_pgprot()`, decrypted when the device needs shared
    /// memory, and a non-blocking request goes to the atomic pools since remapping may block
    /// (v6.12 kernel/dma/direct.c). Whether the pages are decrypted too is
    /// `remapDecrypt`: f253a83ff94c decrypts the linear map on both paths; before it the remap
    /// branch left the pages private under a decrypted alias.
    @inlinable public func dmaDirectAllocRemap(
        _ p: PlatformTerms<Self>, _ b: BehaviourTerms<Self>, _ alloc: AllocDecision<Self>,
        coherent: Boolean, blocking: Boolean
    ) -> RemapDecision<Self> {
        let remap = and(p.directRemap, not(coherent))
        let fromPool = and(remap, and(not(blocking), not(alloc.fromRestrictedPool)))
        let onPages = and(not(or(alloc.fromAtomicPool, fromPool)), not(alloc.fromRestrictedPool))
        return RemapDecision(
            remap: and(remap, onPages),
            aliasDecrypted: and(and(remap, onPages), alloc.wantShared),
            decryptPages: and(alloc.decrypt, and(onPages, or(not(remap), b.remapDecryptsLinearMap))),
            fromAtomicPool: or(alloc.fromAtomicPool, fromPool))
    }

    /// The encryption attribute of the alias the CPU reaches a coherent allocation's pages through:
    /// a remapped allocation's own pgprot, otherwise the linear map, which
    /// `set_memory_decrypted()` changed with the pages.
    @inlinable public func cpuAliasDecrypted(_ r: RemapDecision<Self>) -> Boolean {
        select(r.remap, r.aliasDecrypted, r.decryptPages)
    }

    /// `dma_direct_free_pages()`: whether the atomic pool a page came from is found. The
    /// `gen_pool` holds each chunk by the address `atomic_pool_expand()` gave it, the vmap alias
    /// under `CONFIG_DMA_DIRECT_REMAP`, the linear map otherwise; v6.12 looks it up by
    /// `page_address(page)`, 8a9dc4a028e7 by physical address (`dma_free_from_pool_page()`).
    @inlinable public func dmaFreePagesFindsPool(_ p: PlatformTerms<Self>, _ b: BehaviourTerms<Self>) -> Boolean {
        or(b.poolLookupByPhys, not(p.directRemap))
    }

    /// `dma_direct_alloc_pages()` for a block from an atomic pool: whether its caller gets the
    /// block's `struct page` (94a04ad732c9). From 5b138c534fda (v5.10) until then
    /// `dma_direct_alloc_from_pool()` returned the pool's CPU address, which
    /// `dma_direct_alloc_pages()` returned as its page: the device is given the block's DMA address,
    /// the caller a pointer that is no page of guest memory.
    @inlinable public func dmaDirectAllocPagesGetsPoolPage(_ b: BehaviourTerms<Self>) -> Boolean {
        b.allocPagesGetsPoolPage
    }
}
