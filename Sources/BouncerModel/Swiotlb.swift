import BouncerPolicy

extension DmaLayer {
    /// Allocates a swiotlb pool's pages from `zone` and sets up its slots. `zeroed`: the pages
    /// are zeroed now (`swiotlb_init_io_tlb_pool()` at boot, before `swiotlb_update_mem_attributes()`
    /// decrypts them; a restricted-dma-pool's reserved memory never held guest data); otherwise the
    /// caller converts them first and zeroes after, as `swiotlb_alloc_pool()` does.
    mutating func createSwiotlbPool(kind: SwiotlbPoolKind, slots: Int, nareas: Int = 1, zone: Zone, zeroed: Bool = true) -> Int? {
        let pages = SwiotlbPool.pages(forSlots: slots)
        let index = swiotlbPools.count
        guard let first = allocPages(pages, highest: zone, owner: .swiotlbPool(index)) else { return nil }
        swiotlbPools.append(SwiotlbPool(kind: kind, firstPage: first, slotCount: slots, nareas: nareas))
        if zeroed { zeroSwiotlbPool(index) }
        return index
    }

    /// The `memset()` at the end of `swiotlb_init_io_tlb_pool()`.
    mutating func zeroSwiotlbPool(_ pool: Int) {
        let (lo, hi) = GuestMemory.byteRange(ofPages: swiotlbPools[pool].pages)
        memory.contents.fill(lo, hi, .zero)
    }

    /// `swiotlb_update_mem_attributes()`: decrypt the default pool where the policy says so
    /// (`swiotlbDefaultPoolDecrypts`). The series records whether it worked; before it, the pool
    /// was assumed decrypted whatever `set_memory_decrypted()` returned.
    mutating func swiotlbUpdateMemAttributes(_ pool: Int) {
        let ok = d.swiotlbDefaultPoolDecrypts(platformTerms, behaviourTerms) && setMemoryDecrypted(swiotlbPools[pool].pages)
        recordPoolConversion(pool, ok: ok)
    }

    /// Whether a device's `io_tlb_mem` searches this pool (`swiotlbSearches`): its restricted
    /// pool alone, or the live default and dynamic pools (`swiotlb_search_area` over `mem->pools`).
    func swiotlbSearches(_ device: Int, _ pool: Int) -> Bool {
        let p = swiotlbPools[pool]
        return d.swiotlbSearches(
            deviceTerms(device), isDeviceRestrictedPool: pool == devices[device].restrictedPool,
            isDefaultMemPool: p.live && (p.kind == .defaultPool || p.kind == .dynamic))
    }

    /// Records what the policy (`swiotlbPoolConverted`) makes of a pool's conversion.
    mutating func recordPoolConversion(_ pool: Int, ok: Bool) {
        let state = d.swiotlbPoolConverted(platformTerms, converted: ok, behaviourTerms)
        swiotlbPools[pool].decrypted = state.decrypted
        swiotlbPools[pool].usable = state.usable
    }

    /// The pool as the policy sees it.
    func swiotlbPoolState(_ pool: Int) -> PoolState<ConcreteDomain> {
        PoolState(decrypted: swiotlbPools[pool].decrypted, usable: swiotlbPools[pool].usable)
    }

    /// Strict selection (`swiotlbPoolServes`).
    func swiotlbPoolAccepts(_ pool: Int, wantShared: Bool) -> Bool {
        d.swiotlbPoolServes(swiotlbPoolState(pool), wantShared: wantShared, behaviourTerms)
    }

    /// The pool whose recorded state is its `io_tlb_mem`'s `unencrypted`: the device's
    /// restricted-dma-pool, or the boot pool of the default mem.
    func swiotlbMemPool(_ device: Int) -> Int? {
        devices[device].restrictedPool ?? swiotlbPools.firstIndex { $0.kind == .defaultPool }
    }

    /// A pool's `tbl_dma_addr` for a device (`swiotlbTblDmaAddress`), its mem being `mem`.
    func swiotlbTblDmaAddress(_ device: Int, pool: Int, mem: Int) -> UInt64 {
        d.swiotlbTblDmaAddress(
            platformTerms, deviceTerms(device), behaviourTerms, poolStart: swiotlbPools[pool].start,
            memUnencrypted: swiotlbPools[mem].decrypted)
    }

    /// `swiotlb_find_slots()`: refuse an `io_tlb_mem` of the wrong state (`swiotlbMemServes`), search
    /// the device's pools that may serve the request area by area, starting in the area of the
    /// CPU the driver runs on (`swiotlb_search_area()`: for each offset from that CPU, every pool
    /// with that many areas, in its area `(cpu + offset) & (nareas - 1)`; without
    /// `CONFIG_SWIOTLB_DYNAMIC` the one pool's areas from `cpu & (nareas - 1)` in turn, the same
    /// order). `mem->pools` has the newest pool first (v6.12 `add_mem_pool()` puts a pool at the
    /// head with `list_add_rcu()`), so dynamic pools are searched newest first and the default pool
    /// last: the pools' creation order backwards (a device's restricted pool is its mem's only
    /// pool; transient pools are on the device's list, not searched here). When all are full,
    /// schedule `swiotlb_dyn_alloc` and make a transient pool just for this request.
    mutating func swiotlbFindSlots(
        _ device: Int, orig: UInt64, allocSize: UInt64, allocAlignMask: UInt64, wantShared: Bool
    ) -> (pool: Int, slot: Int)? {
        guard let mem = swiotlbMemPool(device),
            d.swiotlbMemServes(memUnencrypted: swiotlbPools[mem].decrypted, wantShared: wantShared, behaviourTerms)
        else { return nil }
        let minAlign = devices[device].config.minAlignMask
        for offset in 0 ..< defaultNareas {
            for pool in swiotlbPools.indices.reversed()
            where offset < swiotlbPools[pool].nareas && swiotlbSearches(device, pool)
                && swiotlbPoolAccepts(pool, wantShared: wantShared)
            {
                let area = SwiotlbAreas.area(cpu: cpu, offset: offset, nareas: swiotlbPools[pool].nareas)
                if let slot = swiotlbPools[pool].search(
                    behaviourTerms, area: area, tblDmaAddress: swiotlbTblDmaAddress(device, pool: pool, mem: mem),
                    boundaryMask: devices[device].segmentBoundary, orig: orig,
                    allocSize: allocSize, allocAlignMask: allocAlignMask, minAlignMask: minAlign)
                {
                    swiotlbPools[pool].allocate(
                        at: slot, allocSize: allocSize,
                        offsetLow: d.swiotlbAlignOffset(minAlignMask: minAlign, alignMask: 0, address: orig))
                    devices[device].usesIoTlb = true
                    return (pool, slot)
                }
            }
        }
        guard d.swiotlbGrowsWhenFull(behaviourTerms),
            d.swiotlbSearches(deviceTerms(device), isDeviceRestrictedPool: false, isDefaultMemPool: true),
            allocSize <= UInt64(IOTLB.segmentSlots) << IOTLB.shift
        else { return nil }
        swiotlbGrowPending = true
        guard let pool = swiotlbAllocTransient(device, slots: SwiotlbPool.slotsFor(allocSize), wantShared: wantShared)
        else { return nil }
        // A transient pool has one area, searched whatever the CPU (`area_index` 0).
        guard let slot = swiotlbPools[pool].search(
            behaviourTerms, area: 0, tblDmaAddress: swiotlbTblDmaAddress(device, pool: pool, mem: mem),
            boundaryMask: devices[device].segmentBoundary, orig: orig,
            allocSize: allocSize, allocAlignMask: allocAlignMask, minAlignMask: minAlign)
        else {
            // swiotlb_dyn_free(): a transient pool that cannot hold the request goes at once.
            swiotlbFreeTransient(pool)
            return nil
        }
        swiotlbPools[pool].allocate(
            at: slot, allocSize: allocSize,
            offsetLow: d.swiotlbAlignOffset(minAlignMask: minAlign, alignMask: 0, address: orig))
        devices[device].usesIoTlb = true
        return (pool, slot)
    }

    /// `swiotlb_alloc_pool()` via `swiotlb_alloc_tlb()` for a transient pool (GFP_NOWAIT): a device
    /// that needs shared memory takes it from the atomic pools; otherwise fresh pages, decrypted
    /// (always, before the series; when the request is shared, after it).
    mutating func swiotlbAllocTransient(_ device: Int, slots: Int, wantShared: Bool) -> Int? {
        let pages = SwiotlbPool.pages(forSlots: slots)
        let zone = gfpZone(forMask: min(devices[device].dmaMask, devices[device].config.busDmaLimit == 0 ? ~0 : devices[device].config.busDmaLimit))
        let index = swiotlbPools.count
        defer { if index < swiotlbPools.count { swiotlbPools[index].transientDevice = device } }
        if forceDmaUnencrypted(device) {
            guard let (pool, first) = atomicPoolAlloc(pages: pages, zone: zone, wantShared: true) else { return nil }
            takePages(first ..< first + pages, .swiotlbPool(index))
            swiotlbPools.append(SwiotlbPool(kind: .transient, firstPage: first, slotCount: slots))
            swiotlbPools[index].atomicSource = pool
            swiotlbPools[index].decrypted = atomicPools[pool].decrypted
        } else {
            guard let first = allocPages(pages, highest: zone, owner: .swiotlbPool(index)) else { return nil }
            swiotlbPools.append(SwiotlbPool(kind: .transient, firstPage: first, slotCount: slots))
            let decrypt = d.swiotlbNewPoolDecrypted(wantShared: wantShared, behaviourTerms)
            if decrypt && !swiotlbDecryptNewPool(index) { return nil }
            swiotlbPools[index].decrypted = decrypt
        }
        zeroSwiotlbPool(index)
        return index
    }

    /// Decrypts a fresh pool's pages; on failure re-encrypts and frees them, or leaks them when
    /// that fails too (`swiotlb_alloc_tlb`), and the pool is not used.
    private mutating func swiotlbDecryptNewPool(_ pool: Int) -> Bool {
        let pages = swiotlbPools[pool].pages
        swiotlbPools[pool].live = false
        if setMemoryDecrypted(pages) {
            swiotlbPools[pool].live = true
            return true
        }
        if setMemoryEncrypted(pages) {
            freePages(pages)
        } else {
            disposeAfterFailedConversion(pages, leak: d.leakAfterDecryptFailure(behaviourTerms), reason: .decryptFailed)
        }
        return false
    }

    /// `swiotlb_dyn_alloc()`, run from the workqueue: add a dynamic pool to the default `io_tlb_mem`,
    /// in its state. `swiotlb_alloc_pool()` → `alloc_dma_pages()` decrypts the fresh pages and only
    /// then does `swiotlb_init_io_tlb_pool()` zero them (v6.12 kernel/dma/swiotlb.c, 1aaa736815eb;
    /// the series keeps the order), so where conversion shares in place the host sees what the
    /// pages held before.
    mutating func swiotlbDynAlloc() {
        swiotlbGrowPending = false
        guard let pool = swiotlbAllocDynamicPool()
        else { return }
        let wantShared = swiotlbPools.first { $0.kind == .defaultPool }?.decrypted ?? false
        let decrypt = d.swiotlbNewPoolDecrypted(wantShared: wantShared, behaviourTerms)
        if decrypt && !swiotlbDecryptNewPool(pool) { return }
        swiotlbPools[pool].decrypted = decrypt
        zeroSwiotlbPool(pool)
    }

    /// Frees a transient pool after its mapping is gone (`swiotlb_del_transient` →
    /// `swiotlb_free_tlb`): back to the atomic pool, or re-encrypted and freed (leaked if the
    /// re-encryption fails).
    mutating func swiotlbFreeTransient(_ pool: Int) {
        swiotlbPools[pool].live = false
        let pages = swiotlbPools[pool].pages
        if let source = swiotlbPools[pool].atomicSource {
            takePages(pages, .atomicPool(source))
            atomicPoolFree(source, pages: pages)
        } else if swiotlbPools[pool].decrypted && platform.confidential {
            if setMemoryEncrypted(pages) {
                freePages(pages)
            } else {
                disposeAfterFailedConversion(pages, leak: d.leakAfterReencryptFailure(behaviourTerms), reason: .reencryptFailed)
            }
        } else {
            freePages(pages)
        }
    }

    /// `swiotlb_tbl_map_single()`: find slots, record the original address per slot, fill the slot
    /// from the original buffer, and return the pool and bounce address.
    mutating func swiotlbTblMapSingle(
        _ device: Int, orig: UInt64, mappingSize: UInt64, request r: MapRequestTerms<ConcreteDomain>,
        wantShared: Bool, mapping: Int
    ) -> (pool: Int, tlb: UInt64)? {
        // dma-direct asks for no alloc_align_mask; the iommu path would.
        let layout = d.swiotlbMapLayout(
            orig: orig, mappingSize: mappingSize, minAlignMask: devices[device].config.minAlignMask, allocAlignMask: 0)
        let size = layout.allocSize
        guard let (pool, found) = swiotlbFindSlots(
            device, orig: orig, allocSize: size, allocAlignMask: 0, wantShared: wantShared)
        else { return nil }
        let padSlots = Int(layout.padSlots)
        let offset = layout.offsetInSlot
        let index = found + padSlots
        swiotlbPools[pool].slots[index].padSlots = UInt16(padSlots)
        for i in 0 ..< SwiotlbPool.slotsFor(size) - padSlots {
            swiotlbPools[pool].slots[index + i].origAddr = d.swiotlbSlotOrigAddress(orig: orig, slot: UInt64(i))
            swiotlbPools[pool].slots[index + i].mapping = Int32(mapping)
        }
        for i in found ..< index { swiotlbPools[pool].slots[i].mapping = Int32(mapping) }
        let tlb = d.swiotlbTlbAddress(poolStart: swiotlbPools[pool].start, index: UInt64(index), offset: offset)
        mappings[mapping].bouncePool = pool
        mappings[mapping].tlbAddress = tlb
        if d.swiotlbCopiesOnMap(behaviourTerms, r) {
            swiotlbBounce(pool, tlb: tlb, size: mappingSize, toDevice: true, mapping: mapping)
        }
        return (pool, tlb)
    }

    /// `swiotlb_bounce()`: copy between the slot and the original buffer, at the original address
    /// the slot recorded, clamped (or not) to what is left of the allocation.
    mutating func swiotlbBounce(_ pool: Int, tlb: UInt64, size: UInt64, toDevice: Bool, mapping: Int) {
        let p = swiotlbPools[pool]
        let index = Int((tlb - p.start) >> IOTLB.shift)
        guard index < p.slots.count, p.slots[index].origAddr != SwiotlbSlot.invalid else { return }
        let window = d.swiotlbBounceWindow(
            behaviourTerms, minAlignMask: devices[mappings[mapping].device].config.minAlignMask, tlbAddress: tlb,
            slotOrigAddress: p.slots[index].origAddr, slotAllocSize: UInt64(p.slots[index].allocSize), size: size)
        guard window.size > 0 else { return }
        // Copying the mapped buffer into a slot an untrusted device reads is the guest giving it
        // away; bytes beyond the mapping that an unchecked copy drags along are not.
        let m = mappings[mapping]
        if toDevice && !devices[m.device].config.trusted {
            let lo = max(window.origAddress, m.phys), hi = min(window.origAddress &+ window.size, m.phys + UInt64(m.size))
            if lo < hi { disclose(phys: lo, size: hi - lo) }
        }
        events.append(.bounced(mapping: mapping, toDevice: toDevice, tlb: PhysAddr(tlb), orig: PhysAddr(window.origAddress), size: window.size))
        if toDevice {
            copyPhys(from: window.origAddress, to: tlb, size: window.size)
        } else {
            copyPhys(from: tlb, to: window.origAddress, size: window.size)
        }
    }

    /// `swiotlb_tbl_unmap_single()` after the CPU sync: release the slots, or the whole pool if
    /// it was transient.
    mutating func swiotlbTblUnmapSingle(_ pool: Int, tlb: UInt64, device: Int) {
        if swiotlbPools[pool].kind == .transient {
            swiotlbFreeTransient(pool)
            return
        }
        let offsetLow = d.swiotlbAlignOffset(minAlignMask: devices[device].config.minAlignMask, alignMask: 0, address: tlb)
        let index = Int((tlb - offsetLow - swiotlbPools[pool].start) >> IOTLB.shift)
        _ = swiotlbPools[pool].release(slotIndex: index, offsetLow: offsetLow)
    }

}
