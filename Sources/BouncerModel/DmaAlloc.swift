import BouncerPolicy

extension DmaLayer {
    /// `dma_alloc_coherent()` / `dma_alloc_pages()` → `dma_direct_alloc()`: whole pages, zeroed,
    /// shared with the host when the device needs it. `blocking` is `gfpflags_allow_blocking()`.
    /// Returns the coherent handle, or nil when the allocation fails. `pagesApi`: `dma_alloc_pages()`
    /// → `dma_direct_alloc_pages()`, the same choices without a remap (the caller gets the page).
    public mutating func dmaAllocCoherent(device: Int, size: UInt32, blocking: Bool, pagesApi: Bool = false) -> Int? {
        let pages = max(1, Int((UInt64(size) + GuestMemory.pageSize - 1) >> GuestMemory.pageShift))
        let p = platformTerms, dev = deviceTerms(device), b = behaviourTerms
        let decision = d.dmaDirectAlloc(p, dev, b, blocking: blocking)
        let remap = d.dmaDirectAllocRemap(p, b, decision, coherent: devices[device].config.coherent || pagesApi, blocking: blocking)
        let limit = d.minNotZero(devices[device].dmaMask, devices[device].config.busDmaLimit)
        let zone = gfpZone(forMask: limit)
        let handle = coherent.count
        let phys: UInt64
        let source: CoherentSource
        let shared: Bool
        var alias: KernelAlias
        // What the caller holds names these pages, unless dma_alloc_pages() handed it no page.
        var callerGetsPage = true
        if decision.fromRestrictedPool, let pool = devices[device].restrictedPool {
            // swiotlb_alloc(): slots aligned to the allocation's order (cbf53074a528) with no
            // original buffer behind them; it hands out the page the first slot is in, after
            // refusing a slot that does not start a page (823353b7cf0e) where the policy says so.
            let size = UInt64(pages) << 12
            guard swiotlbPoolAccepts(pool, wantShared: decision.wantShared),
                // A restricted pool has one area (`rmem_swiotlb_device_init()`), whatever the CPU.
                let slot = swiotlbPools[pool].search(
                    b, area: 0, tblDmaAddress: swiotlbTblDmaAddress(device, pool: pool, mem: pool),
                    boundaryMask: devices[device].segmentBoundary, orig: 0, allocSize: size,
                    allocAlignMask: UInt64(pages.nextPowerOfTwo) << 12 - 1, minAlignMask: 0)
            else { return nil }
            swiotlbPools[pool].allocate(at: slot, allocSize: size, offsetLow: 0)
            devices[device].usesIoTlb = true
            let tlb = swiotlbPools[pool].start + UInt64(slot) << IOTLB.shift
            phys = d.swiotlbAllocPage(tlbAddress: tlb)
            if phys != tlb && d.swiotlbAllocRefusesUnaligned(b) {
                _ = swiotlbPools[pool].release(slotIndex: slot, offsetLow: 0)
                return nil
            }
            for i in slot ..< slot + pages * 2 { swiotlbPools[pool].slots[i].coherent = Int32(handle) }
            source = .restrictedPool(pool)
            // The kernel made the pool shared (`rmem_swiotlb_device_init()`), whatever it recorded.
            shared = swiotlbPools[pool].decrypted || swiotlbPools[pool].madeShared
            alias = KernelAlias(.linearMap, decrypted: shared)
            let lo = GuestMemory.byteIndex(ofPhys: phys)!
            memory.contents.fill(lo, lo + UInt32(pages) << 12, .zero)
            events.append(.poolServed(.swiotlb(pool), phys: PhysAddr(phys), size: UInt64(pages) << 12, wantShared: decision.wantShared))
        } else if remap.fromAtomicPool {
            // dma_direct_alloc_from_pool(): each pool's first fit must pass dma_coherent_ok().
            let domain = d, wantShared = decision.wantShared
            let fits = { (first: Int) in
                domain.physToDmaDirect(p, dev, GuestMemory.phys(ofPage: first + pages - 1) + 4095, shared: wantShared) <= limit
            }
            guard let (pool, first) = atomicPoolAlloc(pages: pages, zone: zone, wantShared: wantShared, fits: fits) else { return nil }
            phys = GuestMemory.phys(ofPage: first)
            source = .atomicPool(pool)
            shared = atomicPools[pool].decrypted
            // Under CONFIG_DMA_DIRECT_REMAP atomic_pool_expand() remapped each chunk, with
            // pgprot_decrypted in v6.12 (whose pools are all decrypted); the model takes the
            // series' pgprot to follow the pool's recorded state, as its pages do.
            // dma_alloc_pages() hands out the page, which its caller reaches by page_address().
            alias = KernelAlias(platform.config.directRemap && !pagesApi ? .vmap : .linearMap, decrypted: shared)
            // dma_alloc_from_pool() zeroes the block through the pool's CPU address.
            cpuAccess(phys: phys, size: UInt64(pages) << 12, through: alias)
            // dma_direct_alloc_pages() returns what dma_direct_alloc_from_pool() returned: the
            // block's page, or from 5b138c534fda until 94a04ad732c9 the pool's CPU address.
            callerGetsPage = !pagesApi || d.dmaDirectAllocPagesGetsPoolPage(b)
        } else {
            // __dma_direct_alloc_pages(): alloc_pages() of get_order(size), so a power of two of
            // pages, of which the first `pages` are decrypted and zeroed (v6.12 kernel/dma/direct.c).
            let order = pages.nextPowerOfTwo
            // dma_coherent_ok() before anything is converted; a block the device cannot reach goes
            // back and the allocation is retried from ZONE_DMA32, then ZONE_DMA.
            var zone = zone
            var first = 0
            while true {
                guard let f = allocPages(order, highest: zone, owner: .coherent(handle)) else { return nil }
                let lastDma = d.physToDmaDirect(p, dev, GuestMemory.phys(ofPage: f + pages - 1) + 4095, shared: decision.decrypt)
                if lastDma <= limit {
                    first = f
                    break
                }
                freePages(f ..< f + order)
                if zone == .normal && limit < ~0 {
                    zone = .dma32
                } else if zone != .dma {
                    zone = .dma
                } else {
                    return nil
                }
            }
            let range = first ..< first + pages
            let failed = remap.decryptPages && !setMemoryDecrypted(range)
            let fate = d.dmaDirectAllocFate(decrypt: remap.decryptPages, conversionFailed: failed, b)
            if !fate.handedOut {
                disposeAfterFailedConversion(first ..< first + order, leak: fate.leaked, reason: .decryptFailed)
                return nil
            }
            phys = GuestMemory.phys(ofPage: first)
            source = .pages
            shared = remap.decryptPages
            alias = KernelAlias(remap.remap ? .vmap : .linearMap, decrypted: d.cpuAliasDecrypted(remap))
            // memset() of the CPU address dma_direct_alloc() returns.
            cpuAccess(phys: phys, size: UInt64(pages) << 12, through: alias)
            let (lo, hi) = GuestMemory.byteRange(ofPages: range)
            memory.contents.fill(lo, hi, .zero)
        }
        // phys_to_dma_direct() encodes by what the device needs (force_dma_unencrypted(), with the
        // series __DMA_ATTR_ALLOC_CC_SHARED), not by what happened to the pages; a pool's address
        // by the pool's recorded state.
        let dma = d.physToDmaDirect(p, dev, phys, shared: source == .pages ? decision.decrypt : shared)
        coherent.append(CoherentAllocation(
            allocation: newAllocation(), shared: shared, live: true, pagesApi: pagesApi, device: device, phys: phys,
            pages: pages, dma: dma, source: source, alias: alias, callerGetsPage: callerGetsPage))
        events.append(.handedOut(device: device, dma: DmaAddr(dma), size: UInt32(pages) << 12, mapping: nil, coherent: handle))
        return handle
    }

    /// `dma_free_coherent()` → `dma_direct_free()`: back to the pool it came from, or re-encrypt
    /// and free the pages (leak them when re-encryption fails).
    public mutating func dmaFreeCoherent(_ handle: Int) {
        guard coherent[handle].live else { return }
        coherent[handle].live = false
        events.append(.coherentFreed(handle))
        let c = coherent[handle]
        let first = GuestMemory.page(ofPhys: c.phys)!
        let range = first ..< first + c.pages
        switch c.source {
        case .restrictedPool(let pool):
            // swiotlb_free() releases the slots at the page's address (`swiotlb_release_slots()`).
            _ = swiotlbPools[pool].release(slotIndex: Int((c.phys - swiotlbPools[pool].start) >> IOTLB.shift), offsetLow: 0)
        case .atomicPool(let pool):
            // dma_free_pages() passes back what dma_alloc_pages() returned. The pool's CPU address
            // read as a page (5b138c534fda) is found in no pool, by page_address() or by physical
            // address, and dma_set_encrypted() and __dma_direct_free_pages() then act on an
            // address that is no page of guest memory (on x86-64 its page_address() is not even
            // canonical): the block stays allocated in its pool, and nothing can give it back.
            guard c.callerPhys != nil else { return }
            if !c.pagesApi || d.dmaFreePagesFindsPool(platformTerms, behaviourTerms) {
                atomicPoolFree(pool, pages: range)
            } else {
                freeMissedPoolPage(pool, range, order: c.pages.nextPowerOfTwo, shared: c.shared)
            }
        case .pages:
            // __dma_direct_free_pages() gives back the whole get_order() block.
            reencryptAndFree(range, block: first ..< first + c.pages.nextPowerOfTwo, shared: c.shared)
        }
    }

    /// `dma_direct_free_pages()` after it missed the atomic pool (v6.12's lookup by `page_address()`
    /// under `CONFIG_DMA_DIRECT_REMAP`): `dma_set_encrypted()` on the allocation's own pages, then
    /// `__dma_direct_free_pages()` → `dma_free_contiguous()` → `__free_pages(page, get_order(size))`
    /// on a page of a pool chunk, which the pool still lists. A chunk is one non-compound
    /// `alloc_pages()` block (`atomic_pool_expand()`) whose first page alone holds a reference: at
    /// that page `__free_pages()` frees the whole `get_order()` block; at any other the count drops
    /// below zero and it frees the block's upper halves, all but that page (v6.12 mm/page_alloc.c;
    /// `CONFIG_DEBUG_VM`, off in Debian, would BUG instead). After a failed re-encryption it returns
    /// early, and the allocation's pages are left behind as after any failed re-encryption. (A
    /// chunk from a CMA area would go back through `cma_release()`, the allocation's pages only;
    /// the model has no CMA.)
    mutating func freeMissedPoolPage(_ pool: Int, _ range: Range<Int>, order: Int, shared: Bool) {
        let first = range.lowerBound
        let head = atomicPools[pool].chunks.contains { $0.first == first }
        let reencrypt = d.dmaDirectFreeReencrypts(platformTerms, shared: shared)
        let failed = reencrypt && !setMemoryEncrypted(range)
        if d.dmaDirectFreeLeaks(reencrypt: reencrypt, conversionFailed: failed, behaviourTerms) {
            disposeAfterFailedConversion(range, leak: true, reason: .reencryptFailed)
        } else if head || order > 1 {
            freePages((head ? first : first + 1) ..< first + order)
        }
    }

    /// `dma_set_encrypted()` then `__dma_direct_free_pages()`: leak the block when the
    /// re-encryption failed and the policy leaks, else free it.
    mutating func reencryptAndFree(_ range: Range<Int>, block: Range<Int>, shared: Bool) {
        let reencrypt = d.dmaDirectFreeReencrypts(platformTerms, shared: shared)
        let failed = reencrypt && !setMemoryEncrypted(range)
        if d.dmaDirectFreeLeaks(reencrypt: reencrypt, conversionFailed: failed, behaviourTerms) {
            disposeAfterFailedConversion(block, leak: true, reason: .reencryptFailed)
        } else {
            freePages(block)
        }
    }

    /// The driver writes into its coherent buffer: bytes the host sees if the buffer is shared, on
    /// purpose, so disclosed; secret if the buffer is private (a trusted device's).
    public mutating func cpuWriteCoherent(_ handle: Int, offset: UInt32, size: UInt32) {
        let c = coherent[handle]
        let bytes = UInt32(c.pages) << 12
        guard c.live, offset < bytes else { return }
        // What dma_alloc_pages() handed out as a page in 5b138c534fda's state leads nowhere in guest
        // memory: the kernel's write through its page_address() reaches no page the model has.
        guard c.callerPhys != nil else { return }
        cpuAccess(phys: c.phys + UInt64(offset), size: UInt64(min(size, bytes - offset)), through: c.alias)
        cpuWrite(phys: c.phys + UInt64(offset), size: min(size, bytes - offset), allocation: c.allocation, disclosed: c.shared)
    }

    /// The driver unbinds: unmap every mapping and scatterlist and free every coherent buffer of
    /// the device, as `remove()` would.
    public mutating func driverUnbind(_ device: Int) {
        for sg in scatterlists.indices where scatterlists[sg].live && scatterlists[sg].device == device {
            dmaUnmapSg(sg)
        }
        for m in mappings.indices where mappings[m].live && mappings[m].device == device && mappings[m].scatterlist == nil {
            dmaUnmapPhys(m)
        }
        for c in coherent.indices where coherent[c].live && coherent[c].device == device { dmaFreeCoherent(c) }
    }
}
