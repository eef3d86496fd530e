import BouncerPolicy

extension DmaLayer {
    @inlinable func requestTerms(_ direction: DmaDirection, _ attrs: DmaAttrs) -> MapRequestTerms<ConcreteDomain> {
        MapRequestTerms(
            ccShared: attrs.contains(.ccShared), skipCpuSync: attrs.contains(.skipCpuSync), mmio: attrs.contains(.mmio),
            requireCoherent: attrs.contains(.requireCoherent), deviceReads: direction.deviceReads, deviceWrites: direction.deviceWrites)
    }

    /// `dma_map_phys()` → `dma_direct_map_phys()`: map `size` bytes at `phys` for `device`.
    /// Returns the mapping handle, or nil for `DMA_MAPPING_ERROR`.
    ///
    /// The bytes are disclosed to an untrusted device only as they reach it: copied into its
    /// swiotlb slot (`swiotlbBounce`), or the address handed out (`handOut`). A map that fails
    /// discloses nothing but what its bounce already copied: `dma_direct_map_page()` (v6.12
    /// kernel/dma/direct.h) refuses an unreachable buffer before touching it, and
    /// `swiotlb_tbl_map_single()` copies only once it holds a slot.
    public mutating func dmaMapPhys(
        device: Int, phys: UInt64, size: UInt32, direction: DmaDirection, attrs: DmaAttrs, scatterlist: Int? = nil
    ) -> Int? {
        let r = requestTerms(direction, attrs)
        let p = platformTerms, dev = deviceTerms(device), b = behaviourTerms
        let decision = d.dmaDirectMapPhys(p, dev, b, r, phys: phys, size: UInt64(size))
        let handle = mappings.count
        mappings.append(Mapping(
            device: device, phys: phys, size: size, direction: direction, attrs: attrs, dma: dmaMappingError,
            bouncePool: nil, tlbAddress: 0, live: false, scatterlist: scatterlist))
        if decision.fail {
            devices[device].mapErrors += 1
            return nil
        }
        if decision.bounce {
            let wantShared = d.swiotlbWantsShared(p, dev, b)
            guard let (pool, tlb) = swiotlbTblMapSingle(
                device, orig: phys, mappingSize: UInt64(size), request: r, wantShared: wantShared, mapping: handle)
            else {
                devices[device].mapErrors += 1
                return nil
            }
            let s = d.swiotlbMap(
                p, dev, b, r, poolDecrypted: swiotlbPools[pool].decrypted, tlbAddress: tlb, size: UInt64(size))
            guard s.capable else {
                swiotlbTblUnmapSingle(pool, tlb: tlb, device: device)
                devices[device].mapErrors += 1
                return nil
            }
            mappings[handle].dma = s.dmaAddress
            events.append(.poolServed(.swiotlb(pool), phys: PhysAddr(tlb), size: UInt64(size), wantShared: wantShared))
        } else {
            mappings[handle].dma = decision.dmaAddress
        }
        mappings[handle].live = true
        events.append(.mapped(handle))
        // A scatterlist's entry reaches the device only when the whole list is mapped (dmaMapSg).
        if scatterlist == nil { handOut(handle) }
        return handle
    }

    /// The driver programs the device with a mapping's address: from here the device may use it,
    /// live or not, and the oracle judges where it leads (an MMIO resource holds no RAM to judge).
    /// An untrusted device given the address has been given the buffer's bytes.
    mutating func handOut(_ handle: Int) {
        mappings[handle].givenToDevice = true
        let m = mappings[handle]
        if !m.attrs.contains(.mmio) {
            if !devices[m.device].config.trusted { disclose(phys: m.phys, size: UInt64(m.size)) }
            events.append(.handedOut(device: m.device, dma: DmaAddr(m.dma), size: m.size, mapping: handle, coherent: nil))
        }
    }

    /// `dma_unmap_phys()` → `dma_direct_unmap_phys()`: sync for the CPU unless
    /// `DMA_ATTR_SKIP_CPU_SYNC`, then release the bounce slots.
    public mutating func dmaUnmapPhys(_ mapping: Int, attrs: DmaAttrs = []) {
        guard mappings[mapping].live else { return }
        let m = mappings[mapping]
        let r = requestTerms(m.direction, attrs.union(m.attrs.intersection(.mmio)))
        if let pool = m.bouncePool {
            if d.swiotlbCopiesOnUnmap(r) {
                swiotlbBounce(pool, tlb: m.tlbAddress, size: UInt64(m.size), toDevice: false, mapping: mapping)
            }
            swiotlbTblUnmapSingle(pool, tlb: m.tlbAddress, device: m.device)
        }
        mappings[mapping].live = false
        let synced = m.direction.deviceWrites && !attrs.contains(.skipCpuSync)
        let read = synced ? readBack(m) : nil
        events.append(.unmapped(mapping: mapping, readBack: read))
    }

    /// `dma_sync_single_range_for_cpu()`: the CPU takes the buffer back; a bounced mapping copies
    /// the slot into the original buffer for FROM_DEVICE and BIDIRECTIONAL.
    public mutating func dmaSyncSingleForCpu(_ mapping: Int, offset: UInt32, size: UInt32) {
        guard mappings[mapping].live else { return }
        let m = mappings[mapping]
        if let pool = m.bouncePool, d.swiotlbCopiesOnSyncForCpu(requestTerms(m.direction, m.attrs)) {
            swiotlbBounce(pool, tlb: m.tlbAddress + UInt64(offset), size: UInt64(size), toDevice: false, mapping: mapping)
        }
        let read = m.direction.deviceWrites ? readBack(m) : nil
        events.append(.syncedForCpu(mapping: mapping, offset: offset, size: size, readBack: read))
    }

    /// `dma_sync_single_range_for_device()`: the device gets the buffer back; a bounced mapping
    /// copies the original buffer into the slot for TO_DEVICE and BIDIRECTIONAL.
    public mutating func dmaSyncSingleForDevice(_ mapping: Int, offset: UInt32, size: UInt32) {
        guard mappings[mapping].live else { return }
        let m = mappings[mapping]
        if let pool = m.bouncePool, d.swiotlbCopiesOnSyncForDevice(behaviourTerms, requestTerms(m.direction, m.attrs)) {
            swiotlbBounce(pool, tlb: m.tlbAddress + UInt64(offset), size: UInt64(size), toDevice: true, mapping: mapping)
        }
        events.append(.syncedForDevice(mapping: mapping, offset: offset, size: size))
    }

    /// Records the provenance of a mapping's original bytes right now; returns its index in
    /// `readBacks`.
    mutating func readBack(_ m: Mapping) -> Int? {
        guard let lo = GuestMemory.byteIndex(ofPhys: m.phys) else { return nil }
        readBacks.append(memory.contents.extract(lo, lo + m.size))
        return readBacks.count - 1
    }

    /// `dma_map_sg_attrs()` → `dma_direct_map_sg()` (v6.12 kernel/dma/direct.c): map each entry;
    /// when one fails, unmap the ones already mapped (with `DMA_ATTR_SKIP_CPU_SYNC`, where the
    /// profile's kernel unwinds) and fail the whole list. Only a list that mapped whole reaches the
    /// device: the driver programs it with the entries' addresses after `dma_map_sg()` returned
    /// them, so the entries are handed out then, and a failed list hands out nothing (its memory
    /// effects, slots taken and released, bytes bounced, stay as the calls made them). Of a failed
    /// list the host has been given only what the entries' bounces copied into shared slots: the
    /// entries before the failing one, and the failing one if `swiotlb_map()` refused its slot
    /// after the copy; the entries after it are never touched.
    public mutating func dmaMapSg(
        device: Int, entries: [(phys: UInt64, size: UInt32)], direction: DmaDirection, attrs: DmaAttrs
    ) -> Int? {
        let sg = scatterlists.count
        scatterlists.append(ScatterList(device: device, entries: [], live: false))
        var mapped: [Int] = []
        for e in entries {
            guard let m = dmaMapPhys(
                device: device, phys: e.phys, size: e.size, direction: direction, attrs: attrs, scatterlist: sg)
            else {
                if d.unwindAfterMapSgFailure(behaviourTerms) {
                    for m in mapped { dmaUnmapPhys(m, attrs: attrs.union(.skipCpuSync)) }
                }
                events.append(.scatterlistFailed(sg))
                return nil
            }
            mapped.append(m)
        }
        scatterlists[sg].entries = mapped
        scatterlists[sg].live = true
        for m in mapped { handOut(m) }
        return sg
    }

    /// `dma_direct_unmap_sg()`.
    public mutating func dmaUnmapSg(_ sg: Int, attrs: DmaAttrs = []) {
        guard scatterlists[sg].live else { return }
        for m in scatterlists[sg].entries { dmaUnmapPhys(m, attrs: attrs) }
        scatterlists[sg].live = false
    }

    /// `dma_direct_sync_sg_for_cpu()`: each entry synced whole, as `swiotlb_sync_single_for_cpu()`
    /// of the entry's address and `sg->length` (v6.12 kernel/dma/direct.c).
    public mutating func dmaSyncSgForCpu(_ sg: Int) {
        guard scatterlists[sg].live else { return }
        for m in scatterlists[sg].entries { dmaSyncSingleForCpu(m, offset: 0, size: mappings[m].size) }
    }

    /// `dma_direct_sync_sg_for_device()`: each entry synced whole.
    public mutating func dmaSyncSgForDevice(_ sg: Int) {
        guard scatterlists[sg].live else { return }
        for m in scatterlists[sg].entries { dmaSyncSingleForDevice(m, offset: 0, size: mappings[m].size) }
    }

    /// The device (the host, for an untrusted one) writes `size` bytes at `offset` into the DMA
    /// buffer of a mapping it was given, live or already unmapped. An untrusted device reaches
    /// only pages the host can see. Returns the bytes written: none through a mapping whose
    /// address the device never got (a failed map, an entry of a failed `dma_map_sg()`).
    @discardableResult
    public mutating func deviceWrite(_ mapping: Int, offset: UInt32, size: UInt32) -> UInt32 {
        let m = mappings[mapping]
        guard m.givenToDevice, m.size > 0, !m.attrs.contains(.mmio) else { return 0 }
        let offset = offset % m.size
        let size = min(size, m.size - offset)
        let tag = Provenance.host(nextHostWrite)
        nextHostWrite += 1
        let trusted = devices[m.device].config.trusted
        var at = dmaToPhys(m.device, m.dma) &+ UInt64(offset)
        var done: UInt32 = 0
        var written: UInt32 = 0
        while done < size {
            let n = UInt32(min(UInt64(size - done), GuestMemory.pageSize - (at & (GuestMemory.pageSize - 1))))
            if let index = GuestMemory.byteIndex(ofPhys: at),
                trusted || memory.hostVisible(page: Int(index >> 12), confidential: platform.confidential)
            {
                memory.contents.fill(index, index + n, tag)
                events.append(.hostWrote(lo: ByteIndex(index), hi: ByteIndex(index + n), tag: tag))
                written += n
            }
            at &+= UInt64(n)
            done += n
        }
        return written
    }
}
