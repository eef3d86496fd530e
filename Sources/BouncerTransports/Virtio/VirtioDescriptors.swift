import BouncerModel
import BouncerPolicy

/// The descriptor table as the device sees it: shared memory it may rewrite, and what the driver
/// unmaps with when it takes a buffer back.
extension Guest {
    /// `vring_unmap_one_split()` for a buffer the DMA API mapped: `dma_unmap_page()` with the
    /// address, length and direction the policy says it reads (`virtioUnmapAddress`: the private
    /// `desc_extra` since 72b5e8958738, the descriptor `ring` before), so the kernel finds pool
    /// and slot from that address (`DmaLayer.dmaUnmapAddress`).
    mutating func vringUnmapOneSplit(_ mapping: Int, _ ring: VringDesc) {
        let m = system.mappings[mapping]
        let b = behaviourTerms
        let addr = d.virtioUnmapAddress(recorded: m.dma, ring: ring.addr, b)
        let len = d.virtioUnmapLength(recorded: UInt64(m.size), ring: UInt64(ring.len), b)
        let writes = d.virtioUnmapDeviceWrites(recorded: m.direction.deviceWrites, ring: ring.deviceWrites, b)
        system.dmaUnmapAddress(mapping, dma: addr, size: UInt32(truncatingIfNeeded: len), direction: writes ? .fromDevice : .toDevice)
    }

    /// The device rewrites descriptor `id` of the ring: an address it was handed (`mapping`'s DMA
    /// address) plus `offset`, a length and the write flag. Only where the host can write the
    /// ring. Returns false when nothing was written.
    @discardableResult
    public mutating func virtioHostDescriptor(
        _ v: Int, id: UInt32, mapping: Int, offset: UInt32, length: UInt32, deviceWrites: Bool
    ) -> Bool {
        guard virtio[v].status == .live, var queue = virtio[v].queue, !queue.broken, Int(id) < Virtqueue.num,
            mapping >= 0, mapping < system.mappings.count, system.mappings[mapping].dma != dmaMappingError,
            let page = GuestMemory.page(ofPhys: queue.ringPhys + UInt64(id) * 16),
            system.hostWrite(page: page, offset: id * 16, size: 16)
        else { return false }
        queue.descriptors[Int(id)] = VringDesc(
            addr: system.mappings[mapping].dma &+ UInt64(offset), len: length, deviceWrites: deviceWrites)
        virtio[v].queue = queue
        return true
    }
}
