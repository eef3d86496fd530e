import BouncerModel
import BouncerPolicy

extension Guest {
    /// `virtio_dev_probe()`: the driver's features meet the device's, `virtio_features_ok()`
    /// decides, and `vring_create_virtqueue_split()` allocates the ring: coherent DMA memory with
    /// the DMA API, plain pages given by physical address without it. A virtio-mmio device's
    /// restricted pool is attached by the platform bus whatever the features say; a PCI device's
    /// `VIRTIO_F_SWIOTLB` region only once negotiated. Returns the virtio handle.
    public mutating func virtioProbe(transport: VirtioTransport, offered: VirtioFeatures) -> Int {
        var negotiated = offered.intersection([.version1, .accessPlatform])
        let swiotlbRegion = d.virtioNegotiatesSwiotlb(offered: offered.contains(.swiotlb), behaviourTerms)
        if swiotlbRegion { negotiated.insert(.swiotlb) }
        let ok = d.virtioFeaturesOk(
            platformTerms, version1: negotiated.contains(.version1), accessPlatform: negotiated.contains(.accessPlatform),
            swiotlbRegion: swiotlbRegion, behaviourTerms)
        let useDmaApi = d.vringUseDmaApi(accessPlatform: negotiated.contains(.accessPlatform), swiotlbRegion: swiotlbRegion)
        let device = system.probeDevice(DeviceConfig(
            dmaMaskBits: 64, restrictedPool: transport == .mmioRestricted || swiotlbRegion))
        system.markTransportDevice(device)
        var vdev = VirtioDevice(
            transport: transport, offered: offered, negotiated: negotiated, status: ok ? .live : .failed, device: device,
            useDmaApi: useDmaApi, queue: nil)
        if ok { vdev.queue = allocVirtqueue(device: device, useDmaApi: useDmaApi) }
        if ok && vdev.queue == nil { vdev.status = .failed }
        virtio.append(vdev)
        return virtio.count - 1
    }

    /// `vring_alloc_queue()`: `dma_alloc_coherent()` with the DMA API; otherwise
    /// `alloc_pages_exact()`, and the device is told the guest physical address.
    mutating func allocVirtqueue(device: Int, useDmaApi: Bool) -> Virtqueue? {
        if useDmaApi {
            guard let c = system.dmaAllocCoherent(device: device, size: Virtqueue.ringBytes, blocking: true) else { return nil }
            system.markTransportCoherent(c)
            return Virtqueue(ring: .coherent(c), ringPhys: system.coherent[c].phys)
        }
        guard let b = system.allocBlock(pages: Int(Virtqueue.ringBytes >> 12), highest: .normal, purpose: .virtqueue)
        else { return nil }
        let phys = system.blocks[b].phys
        system.handOut(device: device, phys: phys, size: Virtqueue.ringBytes, shared: false)
        return Virtqueue(ring: .block(b), ringPhys: phys)
    }

    /// The driver writes into its ring (a descriptor, an available entry).
    mutating func writeRing(_ queue: Virtqueue, offset: UInt32, size: UInt32) {
        switch queue.ring {
        case .coherent(let c): system.cpuWriteCoherent(c, offset: offset, size: size)
        case .block(let b): system.cpuWriteBlock(b, offset: offset, size: size)
        }
    }

    /// `virtqueue_add_split()` with one buffer: map it (`vring_map_one_sg()`: `dma_map_page()`, or
    /// its physical address without the DMA API), record `desc_extra`, write the descriptor and
    /// the available entry into the shared ring.
    public mutating func virtioAddBuffer(_ v: Int, buffer: Int, offset: UInt32, size: UInt32, deviceWrites: Bool) -> Bool {
        guard virtio[v].status == .live, var queue = virtio[v].queue, !queue.broken,
            buffer < system.buffers.count, system.buffers[buffer].live,
            let head = queue.heads.firstIndex(where: { $0 == nil })
        else { return false }
        let b = system.buffers[buffer]
        let slice = ByteSlice(offset: offset, size: size, within: b.size)
        let offset = slice.offset, size = slice.size
        let phys = b.phys + UInt64(offset)
        let device = virtio[v].device
        var mapping: Int?
        if virtio[v].useDmaApi {
            guard let m = system.dmaMapPhys(
                device: device, phys: phys, size: size, direction: deviceWrites ? .fromDevice : .toDevice, attrs: [])
            else { return false }
            system.markTransportMapping(m)
            mapping = m
        } else {
            system.handOut(device: device, phys: phys, size: size, shared: false)
        }
        queue.heads[head] = DescExtra(buffer: buffer, phys: phys, length: size, deviceWrites: deviceWrites, mapping: mapping)
        queue.descriptors[head] = VringDesc(
            addr: mapping.map { system.mappings[$0].dma } ?? phys, len: size, deviceWrites: deviceWrites)
        writeRing(queue, offset: UInt32(head) * 16, size: 16)
        writeRing(queue, offset: UInt32(Virtqueue.num) * 16 + 4 + UInt32(head) * 2, size: 2)
        virtio[v].queue = queue
        return true
    }

    /// The device uses a buffer: it writes `length` bytes of data where the descriptor `id` points
    /// (as much as it can), then the used element. The driver's `virtqueue_get_buf_ctx_split()`
    /// fetches id and length once; an id out of range or not a head breaks the queue
    /// (`BAD_RING()`); `detach_buf_split()` unmaps from the private `desc_extra`; then the driver
    /// consumes `length` bytes if its check lets it.
    public mutating func virtioHostUsed(_ v: Int, id: UInt32, length: UInt32) {
        guard virtio[v].status == .live, var queue = virtio[v].queue, !queue.broken else { return }
        let usedEntry = UInt32(queue.lastUsed % UInt16(Virtqueue.num))
        let usedPhys = queue.ringPhys + UInt64(Virtqueue.usedRingOffset)
        guard let page = GuestMemory.page(ofPhys: usedPhys),
            system.hostWrite(page: page, offset: 4 + usedEntry * 8, size: 8)
        else { return }
        if Int(id) < Virtqueue.num, let extra = queue.heads[Int(id)], extra.deviceWrites {
            deviceWrites(extra, length: length)
        }
        system.record(.sharedFieldFetched(field: sharedField(.virtioUsedId, of: v), value: UInt64(id), what: .virtioUsed))
        system.record(.sharedFieldFetched(field: sharedField(.virtioUsedLength, of: v), value: UInt64(length), what: .virtioUsed))
        guard Int(id) < Virtqueue.num, let extra = queue.heads[Int(id)] else {
            queue.broken = true
            virtio[v].queue = queue
            return
        }
        queue.heads[Int(id)] = nil
        queue.lastUsed &+= 1
        virtio[v].queue = queue
        if let m = extra.mapping { vringUnmapOneSplit(m, queue.descriptors[Int(id)]) }
        guard extra.deviceWrites else { return }
        if d.virtioUsedLengthAccepted(length: UInt64(length), bufferLength: UInt64(extra.length), behaviourTerms) {
            system.record(.driverCopied(
                phys: PhysAddr(extra.phys), size: UInt64(length), objectPhys: PhysAddr(extra.phys), objectSize: UInt64(extra.length),
                what: .virtioUsed))
        } else {
            virtio[v].queue!.droppedBuffers += 1
        }
    }

    /// The device's DMA into a posted buffer: through its mapping, or straight into guest pages
    /// when there is none (it can write only what the host can see).
    mutating func deviceWrites(_ extra: DescExtra, length: UInt32) {
        let n = min(length, extra.length)
        guard n > 0 else { return }
        if let m = extra.mapping {
            system.deviceWrite(m, offset: 0, size: n)
            return
        }
        var done: UInt32 = 0
        while done < n {
            let at = extra.phys + UInt64(done)
            let chunk = min(n - done, 4096 - UInt32(at & 4095))
            if let page = GuestMemory.page(ofPhys: at) { system.hostWrite(page: page, offset: UInt32(at & 4095), size: chunk) }
            done += chunk
        }
    }

    /// `virtnet_remove()` → `remove_vq_common()`: `virtio_reset_device()` first, then
    /// `virtqueue_detach_unused_buf()` unmaps every buffer still posted (from `desc_extra`), then
    /// `vring_free()` frees the ring.
    public mutating func virtioReset(_ v: Int) {
        guard virtio[v].status == .live else { return }
        virtio[v].status = .removed
        guard let queue = virtio[v].queue else { return }
        for (head, extra) in queue.heads.enumerated() {
            if let m = extra?.mapping { vringUnmapOneSplit(m, queue.descriptors[head]) }
        }
        switch queue.ring {
        case .coherent(let c): system.dmaFreeCoherent(c)
        case .block(let b): system.freeBlock(b)
        }
        virtio[v].queue = nil
    }
}
