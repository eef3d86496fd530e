import BouncerModel
import BouncerPolicy
import BouncerTransports

/// What one operation did.
public enum StepOutcome: Hashable, Sendable {
    case done
    /// Created the object with this handle.
    case created(Int)
    /// The kernel call failed (`DMA_MAPPING_ERROR`, NULL, out of memory).
    case failed
    /// The operation named no live object, or did not apply on this platform.
    case skipped
}

extension Guest {
    /// Applies one operation. Handles are checked here so that any operation is safe to apply.
    public mutating func apply(_ op: consuming GuestOperation) -> StepOutcome {
        switch op {
        case let .vmbusOffer(offer, legacyHost):
            return .created(vmbusOffer(offer, legacyHost: legacyHost))
        case .vmbusOpen(let ch):
            guard ch < channels.count else { return .skipped }
            return vmbusOpen(ch) ? .done : .failed
        case let .vmbusSend(ch, buffer, offset, size, direction):
            guard ch < channels.count, channels[ch].state == .open else { return .skipped }
            return vmbusSend(ch, buffer: buffer, offset: offset, size: size, direction: direction) ? .done : .failed
        case .vmbusClose(let ch):
            guard ch < channels.count, channels[ch].state == .open else { return .skipped }
            vmbusClose(ch)
            return .done
        case let .vmbusHostCompletion(ch, id, length, rewritten):
            guard ch < channels.count, channels[ch].state == .open else { return .skipped }
            vmbusHostCompletion(ch, requestId: id, packetLength: length, rewrittenLength: rewritten)
            return .done
        case let .netvscHostReceive(ch, offset, length, rewritten):
            guard ch < channels.count, channels[ch].state == .open, channels[ch].offer.deviceClass == .netvsc
            else { return .skipped }
            netvscHostReceive(ch, offset: offset, length: length, rewrittenLength: rewritten)
            return .done
        case .vmbusRescind(let ch):
            guard ch < channels.count, channels[ch].state != .refused, !channels[ch].rescinded else { return .skipped }
            vmbusRescind(ch)
            return .done
        case .hostFailNextGpadl:
            hostFailNextGpadl()
            return .done
        case let .virtioProbe(transport, features):
            return .created(virtioProbe(transport: transport, offered: features))
        case let .virtioAddBuffer(v, buffer, offset, size, deviceWrites):
            guard v < virtio.count, virtio[v].status == .live else { return .skipped }
            return virtioAddBuffer(v, buffer: buffer, offset: offset, size: size, deviceWrites: deviceWrites) ? .done : .failed
        case let .virtioHostUsed(v, id, length):
            guard v < virtio.count, virtio[v].status == .live else { return .skipped }
            virtioHostUsed(v, id: id, length: length)
            return .done
        case .virtioReset(let v):
            guard v < virtio.count, virtio[v].status == .live else { return .skipped }
            virtioReset(v)
            return .done
        case let .virtioHostDescriptor(v, id, m, offset, length, writes):
            guard v < virtio.count else { return .skipped }
            return virtioHostDescriptor(v, id: id, mapping: m, offset: offset, length: length, deviceWrites: writes) ? .done : .skipped
        case .nvmeProbe(let tdisp):
            return nvmeProbe(tdisp: tdisp).map(StepOutcome.created) ?? .failed
        case let .nvmeSubmit(n, buffer, offset, size, deviceWrites):
            guard n < nvme.count, nvme[n].live else { return .skipped }
            return nvmeSubmit(n, buffer: buffer, offset: offset, size: size, deviceWrites: deviceWrites) ? .done : .failed
        case let .nvmeHostComplete(n, id, length):
            guard n < nvme.count, nvme[n].live else { return .skipped }
            nvmeHostComplete(n, commandId: id, length: length)
            return .done
        case .nvmeRemove(let n):
            guard n < nvme.count, nvme[n].live else { return .skipped }
            nvmeRemove(n)
            return .done
        case .enterSecureMode:
            guard transportsIdle else { return .skipped }
            return system.applyDma(op)
        case .kfree(let b):
            // A buffer a transport still has posted is as mapped as any: the driver does not free it.
            guard !postedByTransport(b) else { return .skipped }
            return system.applyDma(op)
        case .unmap(let m, _), .syncForCpu(let m, _, _), .syncForDevice(let m, _, _):
            // A transport's own mappings are its driver's business alone.
            guard m >= 0, m >= system.mappings.count || !system.mappings[m].transportOwned else { return .skipped }
            return system.applyDma(op)
        case .mapCoherent(let c, _, _, _), .freeCoherent(let c), .cpuWriteCoherent(let c, _, _):
            guard c >= 0, c >= system.coherent.count || !system.coherent[c].transportOwned else { return .skipped }
            return system.applyDma(op)
        case .unbind(let device):
            guard device >= 0, device >= system.devices.count || !system.devices[device].transportDriver else { return .skipped }
            return system.applyDma(op)
        default:
            return system.applyDma(op)
        }
    }

    /// Nothing belongs to a transport: no channel, virtio device or NVMe controller, and no device,
    /// mapping or coherent buffer marked as a transport driver's. Every transport guard of `apply`
    /// then passes, and a DMA-layer operation is `DmaLayer.applyDma`'s alone.
    public var transportFree: Bool {
        channels.isEmpty && virtio.isEmpty && nvme.isEmpty && !system.devices.contains(where: \.transportDriver)
            && !system.mappings.contains(where: \.transportOwned) && !system.coherent.contains(where: \.transportOwned)
    }

    /// A buffer a virtio queue still holds without the DMA API (no mapping records it).
    func postedByTransport(_ b: Int) -> Bool {
        virtio.contains { v in v.queue?.heads.contains { $0?.buffer == b } ?? false }
    }
}

extension DmaLayer {
    /// Applies one operation of the DMA layer.
    mutating func applyDma(_ op: consuming GuestOperation) -> StepOutcome {
        switch op {
        case .probeDevice(let config):
            guard !config.trusted || platform.config.admitsTrustedDevices else { return .skipped }
            return .created(probeDevice(config))
        case let .kmalloc(size, zone):
            return kmalloc(size: size, zone: zone).map(StepOutcome.created) ?? .failed
        case .kfree(let b):
            guard liveBuffer(b), !mapped(buffers[b].phys, UInt64(buffers[b].size)) else { return .skipped }
            kfree(b)
            return .done
        case let .cpuWrite(b, offset, size):
            guard liveBuffer(b) else { return .skipped }
            cpuWriteBuffer(b, offset: offset, size: size)
            return .done
        case let .mapBuffer(device, b, offset, size, direction, skip):
            guard device < devices.count, liveBuffer(b) else { return .skipped }
            let buffer = buffers[b]
            let slice = ByteSlice(offset: offset, size: size, within: buffer.size)
            return dmaMapPhys(
                device: device, phys: buffer.phys + UInt64(slice.offset), size: slice.size, direction: direction,
                attrs: skip ? .skipCpuSync : []
            ).map(StepOutcome.created) ?? .failed
        case let .mapCoherent(c, offset, size, direction):
            // A caller that got no page from dma_alloc_pages() (`callerPhys`) has nothing to map.
            guard c < coherent.count, coherent[c].live, coherent[c].callerPhys != nil else { return .skipped }
            let device = coherent[c].device
            let bytes = UInt32(coherent[c].pages) << 12
            let slice = ByteSlice(offset: offset, size: size, within: bytes)
            return dmaMapPhys(
                device: device, phys: coherent[c].phys + UInt64(slice.offset), size: slice.size, direction: direction,
                attrs: coherent[c].shared ? .ccShared : []
            ).map(StepOutcome.created) ?? .failed
        case let .mapResource(device, size):
            guard device < devices.count else { return .skipped }
            return dmaMapPhys(device: device, phys: 0xF000_0000, size: max(size, 1), direction: .bidirectional, attrs: .mmio)
                .map(StepOutcome.created) ?? .failed
        case let .unmap(m, skip):
            guard m < mappings.count, mappings[m].live, mappings[m].scatterlist == nil else { return .skipped }
            dmaUnmapPhys(m, attrs: skip ? .skipCpuSync : [])
            return .done
        case let .syncForCpu(m, offset, size):
            guard m < mappings.count, mappings[m].live else { return .skipped }
            dmaSyncSingleForCpu(m, offset: offset % mappings[m].size, size: max(size, 1))
            return .done
        case let .syncForDevice(m, offset, size):
            guard m < mappings.count, mappings[m].live else { return .skipped }
            dmaSyncSingleForDevice(m, offset: offset % mappings[m].size, size: max(size, 1))
            return .done
        case let .unmapByAddress(m, delta, skip):
            guard m < mappings.count, mappings[m].live, mappings[m].scatterlist == nil else { return .skipped }
            let mapping = mappings[m]
            dmaUnmapAddress(m, dma: mapping.dma &+ delta, size: mapping.size, direction: mapping.direction, attrs: skip ? .skipCpuSync : [])
            return .done
        case let .syncForCpuByAddress(m, delta, offset, size):
            guard m < mappings.count, mappings[m].live else { return .skipped }
            let within = offset % mappings[m].size
            dmaSyncForCpuAddress(m, dma: mappings[m].dma &+ delta &+ UInt64(within), offset: offsetByAddress(m, delta, within), size: max(size, 1))
            return .done
        case let .syncForDeviceByAddress(m, delta, offset, size):
            guard m < mappings.count, mappings[m].live else { return .skipped }
            let within = offset % mappings[m].size
            dmaSyncForDeviceAddress(m, dma: mappings[m].dma &+ delta &+ UInt64(within), offset: offsetByAddress(m, delta, within), size: max(size, 1))
            return .done
        case let .mapSg(device, list, direction):
            guard device < devices.count, !list.isEmpty, list.allSatisfy(liveBuffer) else { return .skipped }
            let entries = list.map { (phys: buffers[$0].phys, size: buffers[$0].size) }
            return dmaMapSg(device: device, entries: entries, direction: direction, attrs: [])
                .map(StepOutcome.created) ?? .failed
        case .unmapSg(let sg):
            guard sg < scatterlists.count, scatterlists[sg].live else { return .skipped }
            dmaUnmapSg(sg)
            return .done
        case .syncSgForCpu(let sg):
            guard sg < scatterlists.count, scatterlists[sg].live else { return .skipped }
            dmaSyncSgForCpu(sg)
            return .done
        case .syncSgForDevice(let sg):
            guard sg < scatterlists.count, scatterlists[sg].live else { return .skipped }
            dmaSyncSgForDevice(sg)
            return .done
        case let .archSetupDmaOps(device, isCoherent):
            guard device < devices.count, !coherent.contains(where: { $0.live && $0.device == device }) else { return .skipped }
            archSetupDmaOps(device: device, coherent: isCoherent)
            return .done
        case let .dmaSetSegBoundary(device, mask):
            return dmaSetSegBoundary(device: device, mask: mask) ? .done : .skipped
        case .migrateToCpu(let cpu):
            return migrateToCpu(cpu) ? .done : .skipped
        case let .dmaAllocPages(device, size, blocking):
            guard device < devices.count else { return .skipped }
            return dmaAllocCoherent(device: device, size: size, blocking: blocking, pagesApi: true).map(StepOutcome.created) ?? .failed
        case let .allocCoherent(device, size, blocking):
            guard device < devices.count else { return .skipped }
            return dmaAllocCoherent(device: device, size: size, blocking: blocking).map(StepOutcome.created) ?? .failed
        case .freeCoherent(let c):
            guard c < coherent.count, coherent[c].live, !mapped(coherent[c].phys, UInt64(coherent[c].pages) << 12)
            else { return .skipped }
            dmaFreeCoherent(c)
            return .done
        case let .cpuWriteCoherent(c, offset, size):
            guard c < coherent.count, coherent[c].live else { return .skipped }
            cpuWriteCoherent(c, offset: offset, size: size)
            return .done
        case .unbind(let device):
            guard device < devices.count else { return .skipped }
            driverUnbind(device)
            return .done
        case .runDeferredWork:
            runDeferredWork()
            return .done
        case .enterSecureMode:
            // prom_init switches to secure mode before any driver of this kernel runs: devices may
            // have been used (by firmware, an earlier kernel), but no live DMA of this one.
            guard platform.kind == .pseriesSvm, !platform.confidential,
                !mappings.contains(where: \.live), !coherent.contains(where: \.live)
            else { return .skipped }
            enterSecureMode()
            return .done
        case .vmbusOffer, .vmbusOpen, .vmbusSend, .vmbusClose, .vmbusHostCompletion, .netvscHostReceive, .vmbusRescind,
            .hostFailNextGpadl, .virtioProbe, .virtioAddBuffer, .virtioHostUsed, .virtioReset, .nvmeProbe, .nvmeSubmit,
            .nvmeHostComplete, .nvmeRemove, .virtioHostDescriptor:
            return .skipped
        case let .hostWrite(page, offset, size):
            return hostWrite(page: page, offset: offset, size: size) ? .done : .skipped
        case let .deviceWrite(m, offset, size):
            guard m < mappings.count else { return .skipped }
            return deviceWrite(m, offset: offset, size: size) > 0 ? .done : .skipped
        case .failNextConversion(let k):
            guard platform.confidential, platform.config.hostFailsConversions else { return .skipped }
            armConversionFault(ConversionFault(afterPages: k))
            return .done
        }
    }

    func liveBuffer(_ b: Int) -> Bool { b >= 0 && b < buffers.count && buffers[b].live }

    /// Where in mapping `m` a sync by address lands: the address's distance from the mapping's
    /// own, when it is inside the mapping; outside it (a driver's wrong address) the offset the
    /// driver believed, since no byte of the mapping is synced.
    func offsetByAddress(_ m: Int, _ delta: UInt64, _ within: UInt32) -> UInt32 {
        let at = delta &+ UInt64(within)
        return at < UInt64(mappings[m].size) ? UInt32(at) : within
    }

    /// A driver never frees memory that is still mapped (dma-debug's `debug_check_no_obj_freed`
    /// reports it), so such a free is skipped rather than blamed on the kernel.
    func mapped(_ phys: UInt64, _ size: UInt64) -> Bool {
        mappings.contains { $0.live && $0.phys < phys + size && phys < $0.phys + UInt64($0.size) }
    }
}
