import BouncerModel
import BouncerPolicy

/// A passed-through NVMe controller with one I/O queue pair: untrusted (the host emulates or
/// controls it, so every transfer is bounced and the queues are decrypted), or TDISP-accepted
/// (it DMAs into private memory and is never bounced).
public struct NvmeController: Sendable {
    public static let queueDepth = 8

    public var device: Int
    public var tdisp: Bool
    /// The submission and completion queues (`nvme_alloc_queue()`: `dma_alloc_coherent()`).
    public var submissionQueue: Int
    public var completionQueue: Int
    /// Outstanding commands by command id (`nvme_find_rq()` looks them up by tag). Begun as the
    /// shared `noCommands`, so a probe allocates no table until its first command.
    public var commands: [Int?] = NvmeController.noCommands
    static let noCommands = [Int?](repeating: nil, count: NvmeController.queueDepth)
    public var completionHead: UInt32 = 0
    public var live = true
    /// Completions whose command id named no outstanding command ("invalid id completed").
    public var invalidCompletions = 0
}

extension Guest {
    /// `nvme_probe()` → `nvme_pci_enable()` with `dma_set_min_align_mask(NVME_CTRL_PAGE_SIZE - 1)`,
    /// then `nvme_alloc_queue()`. A TDISP-accepted device is trusted and the kernel knows it.
    public mutating func nvmeProbe(tdisp: Bool) -> Int? {
        let device = system.probeDevice(DeviceConfig(trusted: tdisp, dmaMaskBits: 64, minAlignMask: 0xFFF))
        system.markTransportDevice(device)
        guard let sq = system.dmaAllocCoherent(device: device, size: 4096, blocking: true) else { return nil }
        guard let cq = system.dmaAllocCoherent(device: device, size: 4096, blocking: true) else {
            system.dmaFreeCoherent(sq)
            return nil
        }
        system.markTransportCoherent(sq)
        system.markTransportCoherent(cq)
        nvme.append(NvmeController(device: device, tdisp: tdisp, submissionQueue: sq, completionQueue: cq))
        return nvme.count - 1
    }

    /// `nvme_queue_rq()`: map the data (`nvme_map_data()`), write the 64-byte command with its PRP
    /// into the submission queue.
    public mutating func nvmeSubmit(_ n: Int, buffer: Int, offset: UInt32, size: UInt32, deviceWrites: Bool) -> Bool {
        guard nvme[n].live, buffer < system.buffers.count, system.buffers[buffer].live,
            let tag = nvme[n].commands.firstIndex(where: { $0 == nil })
        else { return false }
        let b = system.buffers[buffer]
        let slice = ByteSlice(offset: offset, size: size, within: b.size)
        let offset = slice.offset, size = slice.size
        guard let mapping = system.dmaMapPhys(
            device: nvme[n].device, phys: b.phys + UInt64(offset), size: size,
            direction: deviceWrites ? .fromDevice : .toDevice, attrs: [])
        else { return false }
        system.markTransportMapping(mapping)
        nvme[n].commands[tag] = mapping
        system.cpuWriteCoherent(nvme[n].submissionQueue, offset: UInt32(tag) * 64, size: 64)
        return true
    }

    /// The controller completes a command: for a read it first writes `length` bytes of data, then
    /// a completion entry with the command id. `nvme_handle_cqe()` fetches the id once;
    /// `nvme_find_rq()` ignores an id that names no outstanding command; the request's data is
    /// unmapped (`nvme_unmap_data()`) from the driver's private iod.
    public mutating func nvmeHostComplete(_ n: Int, commandId: UInt16, length: UInt32) {
        guard nvme[n].live else { return }
        let cq = system.coherent[nvme[n].completionQueue]
        let entry = nvme[n].completionHead % UInt32(NvmeController.queueDepth)
        let tag = Int(commandId)
        if tag < NvmeController.queueDepth, let m = nvme[n].commands[tag], system.mappings[m].direction.deviceWrites {
            system.deviceWrite(m, offset: 0, size: min(length, system.mappings[m].size))
        }
        // A TDISP device writes its private queue itself; an untrusted one's queue is host memory.
        if !nvme[n].tdisp {
            guard let page = GuestMemory.page(ofPhys: cq.phys), system.hostWrite(page: page, offset: entry * 16, size: 16)
            else { return }
        }
        nvme[n].completionHead &+= 1
        system.record(.sharedFieldFetched(field: sharedField(.nvmeCommandId, of: n), value: UInt64(commandId), what: .nvmeCompletion))
        guard tag < NvmeController.queueDepth, let m = nvme[n].commands[tag] else {
            nvme[n].invalidCompletions += 1
            return
        }
        nvme[n].commands[tag] = nil
        system.dmaUnmapPhys(m)
    }

    /// `nvme_remove()`: outstanding commands are cancelled and unmapped, the queues freed.
    public mutating func nvmeRemove(_ n: Int) {
        guard nvme[n].live else { return }
        nvme[n].live = false
        for case let m? in nvme[n].commands { system.dmaUnmapPhys(m) }
        nvme[n].commands = NvmeController.noCommands
        system.dmaFreeCoherent(nvme[n].submissionQueue)
        system.dmaFreeCoherent(nvme[n].completionQueue)
    }
}
