import BouncerModel
import BouncerPolicy
import BouncerTransports

extension Operation: CustomStringConvertible {
    /// One line, in the kernel's words.
    public var description: String {
        switch self {
        case .probeDevice(let c):
            var traits = [c.trusted ? "trusted" : "untrusted", "DMA_BIT_MASK(\(c.dmaMaskBits))"]
            if c.busDmaLimit != 0 { traits.append("bus_dma_limit=\(hex(c.busDmaLimit))") }
            if c.dmaRangeOffset != 0 { traits.append("dma-ranges offset \(hex(c.dmaRangeOffset))") }
            if c.forceBounce { traits.append("swiotlb=force") }
            if c.swiotlbDisabled { traits.append("no swiotlb") }
            if c.restrictedPool { traits.append("restricted-dma-pool") }
            if c.minAlignMask != 0 { traits.append("min_align_mask=\(hex(c.minAlignMask))") }
            return "device_add(\(traits.joined(separator: ", ")))"
        case let .kmalloc(size, zone):
            return "kmalloc(\(size), \(zone == .normal ? "GFP_KERNEL" : zone == .dma32 ? "GFP_DMA32" : "GFP_DMA"))"
        case .kfree(let b): return "kfree(buffer \(b))"
        case let .cpuWrite(b, offset, size): return "cpu writes buffer \(b) [\(offset), +\(size))"
        case let .mapBuffer(d, b, offset, size, dir, skip):
            return "dma_map_phys(dev \(d), buffer \(b) +\(offset), \(size), \(dir)\(skip ? ", DMA_ATTR_SKIP_CPU_SYNC" : ""))"
        case let .mapCoherent(c, offset, size, dir):
            return "dma_map_phys(coherent \(c)'s device, coherent \(c) +\(offset), \(size), \(dir), DMA_ATTR_CC_SHARED if shared)"
        case let .mapResource(d, size): return "dma_map_resource(dev \(d), mmio, \(size), DMA_ATTR_MMIO)"
        case let .unmap(m, skip): return "dma_unmap_phys(mapping \(m)\(skip ? ", DMA_ATTR_SKIP_CPU_SYNC" : ""))"
        case let .syncForCpu(m, offset, size): return "dma_sync_single_range_for_cpu(mapping \(m), +\(offset), \(size))"
        case let .syncForDevice(m, offset, size): return "dma_sync_single_range_for_device(mapping \(m), +\(offset), \(size))"
        case let .mapSg(d, list, dir):
            return "dma_map_sg(dev \(d), buffers \(list.map(String.init).joined(separator: ",")), \(dir))"
        case .unmapSg(let sg): return "dma_unmap_sg(scatterlist \(sg))"
        case let .allocCoherent(d, size, blocking):
            return "dma_alloc_coherent(dev \(d), \(size), \(blocking ? "GFP_KERNEL" : "GFP_ATOMIC"))"
        case .freeCoherent(let c): return "dma_free_coherent(coherent \(c))"
        case let .cpuWriteCoherent(c, offset, size): return "cpu writes coherent \(c) [\(offset), +\(size))"
        case .unbind(let d): return "driver remove(dev \(d))"
        case .runDeferredWork: return "workqueue: atomic_pool_work_fn, swiotlb_dyn_alloc"
        case .enterSecureMode: return "pseries: enter secure mode (UV_ESM)"
        case let .hostWrite(page, offset, size): return "host writes page \(page) [\(offset), +\(size))"
        case let .deviceWrite(m, offset, size): return "device writes mapping \(m) [\(offset), +\(size))"
        case .failNextConversion(let k): return "host fails the next page conversion after \(k) page(s)"
        case let .vmbusOffer(offer, legacy):
            var flags: [String] = []
            if offer.coRingBuffer { flags.append("co_ring_buffer") }
            if offer.coExternalMemory { flags.append("co_external_memory") }
            if legacy { flags.append("protocol < VERSION_WIN10_V6_0") }
            return "host offers a \(offer.deviceClass) channel\(flags.isEmpty ? "" : " (" + flags.joined(separator: ", ") + ")")"
        case .vmbusOpen(let ch): return "vmbus_open(channel \(ch))"
        case let .vmbusSend(ch, b, offset, size, dir):
            return "vmbus_sendpacket_mpb_desc(channel \(ch), buffer \(b) +\(offset), \(size), \(dir))"
        case .vmbusClose(let ch): return "vmbus_close(channel \(ch))"
        case let .vmbusHostCompletion(ch, id, length, rewritten):
            return "host completes request \(id) on channel \(ch), packet length \(length)"
                + (rewritten != length ? ", rewritten to \(rewritten) while read" : "")
        case let .netvscHostReceive(ch, offset, length, rewritten):
            return "host sends netvsc data on channel \(ch) at receive-buffer offset \(offset), length \(length)"
                + (rewritten != length ? ", rewritten to \(rewritten) while read" : "")
        case .vmbusRescind(let ch): return "host rescinds channel \(ch)"
        case .hostFailNextGpadl: return "host refuses the next GPADL message"
        case let .virtioProbe(transport, features): return "virtio_dev_probe(\(transport), device offers \(features))"
        case let .virtioAddBuffer(v, b, offset, size, writes):
            return "virtqueue_add_\(writes ? "inbuf" : "outbuf")(virtio \(v), buffer \(b) +\(offset), \(size))"
        case let .virtioHostUsed(v, id, length): return "device marks id \(id) used on virtio \(v) with len \(length)"
        case .virtioReset(let v): return "virtio_reset_device + remove(virtio \(v))"
        case .nvmeProbe(let tdisp): return "nvme_probe(\(tdisp ? "TDISP-accepted" : "untrusted") controller)"
        case let .nvmeSubmit(n, b, offset, size, writes):
            return "nvme_queue_rq(nvme \(n), \(writes ? "read into" : "write from") buffer \(b) +\(offset), \(size))"
        case let .nvmeHostComplete(n, id, length): return "controller completes command \(id) on nvme \(n) (\(length) bytes)"
        case .nvmeRemove(let n): return "nvme_remove(nvme \(n))"
        }
    }
}

enum TraceLine {
    static func render(step: Int, _ op: Operation, _ outcome: StepOutcome, _ s: System) -> String {
        var line = "\(step): \(op)"
        switch outcome {
        case .done: break
        case .skipped: line += "  -- skipped"
        case .failed: line += "  -> failed"
        case .created(let h):
            switch op {
            case .probeDevice: line += "  -> device \(h)"
            case .vmbusOffer: line += "  -> channel \(h)"
            case .virtioProbe: line += "  -> virtio \(h)"
            case .nvmeProbe: line += "  -> nvme \(h)"
            case .kmalloc: line += "  -> buffer \(h) at \(hex(s.buffers[h].phys))"
            case .mapBuffer, .mapCoherent, .mapResource:
                let m = s.mappings[h]
                line += "  -> mapping \(h), dma \(hex(m.dma))"
                if let pool = m.bouncePool { line += " (bounced: swiotlb pool \(pool) \(s.swiotlbPools[pool].kind), slot \(hex(m.tlbAddress)))" }
            case .mapSg: line += "  -> scatterlist \(h), mappings \(s.scatterlists[h].entries.map(String.init).joined(separator: ","))"
            case .allocCoherent:
                let c = s.coherent[h]
                line += "  -> coherent \(h) at \(hex(c.phys)), dma \(hex(c.dma)), \(c.shared ? "shared" : "private"), from \(c.source)"
            default: line += "  -> \(h)"
            }
        }
        return line
    }
}
