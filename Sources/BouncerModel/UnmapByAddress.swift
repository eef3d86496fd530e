import BouncerPolicy

/// The DMA API as the kernel runs it: a driver unmaps with the DMA address and size it passes, not
/// with a handle. `dma_direct_unmap_phys()` (v6.12 kernel/dma/direct.h: `dma_direct_unmap_page()`)
/// turns the address into a physical one with `dma_to_phys()`, and swiotlb finds pool and slot
/// from that (`swiotlb_tbl_unmap_single()` → `swiotlb_find_pool()`), so a wrong address reaches
/// whatever pool and slot it names. The handle-keyed `dmaUnmapPhys` is this path with the address
/// the mapping returned.
extension DmaLayer {
    /// `swiotlb_find_pool()` (v6.12 include/linux/swiotlb.h): none when the device has no
    /// `dma_io_tlb_mem`; otherwise the pool the policy's `swiotlbFindPoolFinds` admits among those
    /// holding the address: the pools of the device's `io_tlb_mem` (`mem->pools`: its restricted
    /// pool, or the default and dynamic ones), then the transient pools on its own
    /// `dma_io_tlb_pools` (`__swiotlb_find_pool()`).
    public func swiotlbFindPool(_ device: Int, _ phys: UInt64) -> Int? {
        guard !devices[device].config.swiotlbDisabled else { return nil }
        for pool in swiotlbPools.indices where swiotlbPools[pool].contains(phys) {
            let p = swiotlbPools[pool]
            guard swiotlbSearches(device, pool) || p.kind == .transient && p.live && p.transientDevice == device else { continue }
            let isDefpool = p.kind == .defaultPool || pool == devices[device].restrictedPool
            return d.swiotlbFindPoolFinds(usesIoTlb: devices[device].usesIoTlb, isDefpool: isDefpool, behaviourTerms) ? pool : nil
        }
        return nil
    }

    /// `dma_unmap_phys()` → `dma_direct_unmap_phys()` with the address, size and direction the
    /// driver passes for `mapping`, which the driver believes it unmaps (it is gone for the driver
    /// whatever the kernel finds). Unless `DMA_ATTR_SKIP_CPU_SYNC`, `swiotlb_sync_single_for_cpu()`
    /// bounces `size` bytes at the slot the address names; then `swiotlb_tbl_unmap_single()`
    /// releases the slots from there (`swiotlb_release_slots()`), or the transient pool.
    public mutating func dmaUnmapAddress(
        _ mapping: Int, dma: UInt64, size: UInt32, direction: DmaDirection, attrs: DmaAttrs = []
    ) {
        guard mappings[mapping].live else { return }
        let m = mappings[mapping]
        let phys = dmaToPhys(m.device, dma)
        if let pool = swiotlbFindPool(m.device, phys) {
            let r = requestTerms(direction, attrs.union(m.attrs.intersection(.mmio)))
            if d.swiotlbCopiesOnUnmap(r) {
                swiotlbBounce(pool, tlb: phys, size: UInt64(size), toDevice: false, mapping: mapping)
            }
            swiotlbTblUnmapSingle(pool, tlb: phys, device: m.device)
        }
        mappings[mapping].live = false
        let synced = m.direction.deviceWrites && !attrs.contains(.skipCpuSync)
        let read = synced ? readBack(m) : nil
        events.append(.unmapped(mapping: mapping, readBack: read))
    }
}

/// The syncs as the kernel runs them: `dma_sync_single_for_cpu()`/`_for_device()` →
/// `dma_direct_sync_single_for_cpu()`/`_for_device()` (v6.12 kernel/dma/direct.h) translate the
/// address the driver passes with `dma_to_phys()`, and `swiotlb_sync_single_for_cpu()`/
/// `_for_device()` (include/linux/swiotlb.h) bounce only when `swiotlb_find_pool()` finds a pool
/// holding it, at the slot it names. The handle-keyed `dmaSyncSingleForCpu`/`ForDevice` are these
/// with the address the mapping returned plus the offset.
extension DmaLayer {
    /// The driver syncs `mapping` for the CPU at `dma` (which it believes is the mapping's address
    /// plus `offset`), `size` bytes in the mapping's direction (`__swiotlb_sync_single_for_cpu()`
    /// copies for FROM_DEVICE and BIDIRECTIONAL).
    public mutating func dmaSyncForCpuAddress(_ mapping: Int, dma: UInt64, offset: UInt32, size: UInt32) {
        guard mappings[mapping].live else { return }
        let m = mappings[mapping]
        if let pool = swiotlbFindPool(m.device, dmaToPhys(m.device, dma)),
            d.swiotlbCopiesOnSyncForCpu(requestTerms(m.direction, m.attrs))
        {
            swiotlbBounce(pool, tlb: dmaToPhys(m.device, dma), size: UInt64(size), toDevice: false, mapping: mapping)
        }
        let read = m.direction.deviceWrites ? readBack(m) : nil
        events.append(.syncedForCpu(mapping: mapping, offset: offset, size: size, readBack: read))
    }

    /// The driver syncs `mapping` for the device at `dma` (`__swiotlb_sync_single_for_device()`
    /// copies for TO_DEVICE and BIDIRECTIONAL).
    public mutating func dmaSyncForDeviceAddress(_ mapping: Int, dma: UInt64, offset: UInt32, size: UInt32) {
        guard mappings[mapping].live else { return }
        let m = mappings[mapping]
        if let pool = swiotlbFindPool(m.device, dmaToPhys(m.device, dma)),
            d.swiotlbCopiesOnSyncForDevice(behaviourTerms, requestTerms(m.direction, m.attrs))
        {
            swiotlbBounce(pool, tlb: dmaToPhys(m.device, dma), size: UInt64(size), toDevice: true, mapping: mapping)
        }
        events.append(.syncedForDevice(mapping: mapping, offset: offset, size: size))
    }
}
