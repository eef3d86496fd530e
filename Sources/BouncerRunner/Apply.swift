import BouncerModel
import BouncerPolicy

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

extension System {
    /// Applies one operation. Handles are checked here so that any operation is safe to apply.
    public mutating func apply(_ op: Operation) -> StepOutcome {
        switch op {
        case .probeDevice(let config):
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
            let offset = offset % buffer.size
            let size = max(1, min(size, buffer.size - offset))
            return dmaMapPhys(
                device: device, phys: buffer.phys + UInt64(offset), size: size, direction: direction,
                attrs: skip ? .skipCpuSync : []
            ).map(StepOutcome.created) ?? .failed
        case let .mapCoherent(c, offset, size, direction):
            guard c < coherent.count, coherent[c].live else { return .skipped }
            let device = coherent[c].device
            let bytes = UInt32(coherent[c].pages) << 12
            let offset = offset % bytes
            let size = max(1, min(size, bytes - offset))
            return dmaMapPhys(
                device: device, phys: coherent[c].phys + UInt64(offset), size: size, direction: direction,
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
        case let .mapSg(device, list, direction):
            guard device < devices.count, !list.isEmpty, list.allSatisfy(liveBuffer) else { return .skipped }
            let entries = list.map { (phys: buffers[$0].phys, size: buffers[$0].size) }
            return dmaMapSg(device: device, entries: entries, direction: direction, attrs: [])
                .map(StepOutcome.created) ?? .failed
        case .unmapSg(let sg):
            guard sg < scatterlists.count, scatterlists[sg].live else { return .skipped }
            dmaUnmapSg(sg)
            return .done
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
        case let .hostWrite(page, offset, size):
            return hostWrite(page: page, offset: offset, size: size) ? .done : .skipped
        case let .deviceWrite(m, offset, size):
            guard m < mappings.count else { return .skipped }
            return deviceWrite(m, offset: offset, size: size) > 0 ? .done : .skipped
        case .failNextConversion(let k):
            guard platform.confidential else { return .skipped }
            armConversionFault(ConversionFault(afterPages: k))
            return .done
        }
    }

    func liveBuffer(_ b: Int) -> Bool { b >= 0 && b < buffers.count && buffers[b].live }

    /// A driver never frees memory that is still mapped (dma-debug's `debug_check_no_obj_freed`
    /// reports it), so such a free is skipped rather than blamed on the kernel.
    func mapped(_ phys: UInt64, _ size: UInt64) -> Bool {
        mappings.contains { $0.live && $0.phys < phys + size && phys < $0.phys + UInt64($0.size) }
    }
}
