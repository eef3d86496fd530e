import BouncerKernel
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner

/// Each operation kind's kernel calls (the counterparts `KernelCounterpart.of` names), run after
/// the model ran the step, from what the step made in the model (its clamped offsets and sizes,
/// the buffers' addresses) and the kernel side's own addresses; each compares what the call
/// returned. Throws the first `Divergence`, or `OutOfScope`.
extension KernelDiffRun {
    /// Returns the bounce (original, slot, size) the step's copies must stay inside, if any.
    mutating func translate(_ op: GuestOperation, _ kind: OperationKind, _ outcome: StepOutcome, _ before: Counts) throws -> (orig: UInt64, slot: UInt64, size: UInt64)? {
        let s = runner.system
        let g = kernel.guest
        switch op {
        case .probeDevice(let config):
            switch KernelSide.deviceConfig(config, confidential: s.platform.confidential) {
            case .failure(let o): throw o
            case .success(let k):
                guard kernel.devices.count < KernelGuest.maxDevices, let probe = try? g.probe(k) else {
                    throw OutOfScope(reason: "a device past the shim's \(KernelGuest.maxDevices) (BOUNCER_KERNEL_MAX_DEVICES)")
                }
                kernel.devices.append(probe.device)
                // Both sides keep the device; what `dma_set_mask()` answered and the masks it left must agree.
                let device = s.devices[before.devices]
                let model = device.maskRefused ? "-EIO" : "0"
                let answer = probe.setMaskResult == 0 ? "0" : probe.setMaskResult == -5 ? "-EIO" : "\(probe.setMaskResult)"
                if answer != model {
                    throw divergence(.outcome, "dma_set_mask of device \(before.devices)", model: model, kernel: answer)
                }
                if probe.dmaMask != device.dmaMask || probe.coherentDmaMask != device.dmaMask {
                    throw divergence(
                        .outcome, "masks of device \(before.devices)", model: hex(device.dmaMask),
                        kernel: "\(hex(probe.dmaMask)), coherent \(hex(probe.coherentDmaMask))")
                }
            }
        case .kmalloc:
            // The driver's memory: the kernel side's page allocator must hand out the same pages.
            guard case .created(let b) = outcome else { return nil }
            let buffer = s.buffers[b]
            let page = GuestMemory.page(ofPhys: buffer.phys)!
            let zone = GuestMemory.zone(ofPage: page)
            if buffer.slabClass == nil {
                let count = Int((UInt64(buffer.size) + 4095) >> 12)
                let got = g.allocBuffer(pages: count, highest: zoneFor(op))
                if got != buffer.phys {
                    throw divergence(.cpuAddress, "buffer \(b)", model: hex(buffer.phys), kernel: got.map(hex) ?? "no pages")
                }
            } else if g.pageIsFree(phys: buffer.phys & ~4095) {
                let got = g.allocBuffer(pages: 1, highest: zoneFor(op))
                if got != buffer.phys & ~4095 {
                    throw divergence(.cpuAddress, "slab page of buffer \(b) (\(zone.name))", model: hex(buffer.phys & ~4095), kernel: got.map(hex) ?? "no pages")
                }
            }
        case .kfree(let b):
            let buffer = s.buffers[b]
            if buffer.slabClass == nil { g.freeBuffer(phys: buffer.phys, pages: Int((UInt64(buffer.size) + 4095) >> 12)) }
        case .cpuWrite, .cpuWriteCoherent, .hostWrite:
            try mirrorWrites(s, kind == .hostWrite)
        case .deviceWrite(let m, _, _):
            try mirrorDeviceWrite(s, m)
        case .mapBuffer, .mapCoherent:
            let m = before.mappings
            let mapping = s.mappings[m]
            let device = kernel.devices[mapping.device]
            let dma = g.mapSingle(device: device, phys: mapping.phys, size: Int(mapping.size), mapping.direction,
                attrs: mapping.attrs.intersection(.skipCpuSync))
            kernel.maps.append(.init(device: mapping.device, phys: mapping.phys, size: Int(mapping.size), direction: mapping.direction, dma: dma, live: dma != nil))
            try compareDma("mapping \(m)", model: mapping.live ? mapping.dma : nil, kernel: dma)
            if let dma { try compareDeviceView(kernel.maps[m], dma: dma) }
            return bounceOf(m, mapping)
        case let .unmap(m, skip):
            guard kernel.maps[m].live, let dma = kernel.maps[m].dma else { return nil }
            let k = kernel.maps[m]
            g.unmapSingle(device: kernel.devices[k.device], dma: dma, size: k.size, k.direction, attrs: skip ? .skipCpuSync : [])
            kernel.maps[m].live = false
            try compareCpuView(k)
            return bounceOf(m, s.mappings[m])
        case let .syncForCpu(m, offset, size), let .syncForDevice(m, offset, size):
            guard kernel.maps[m].live, let dma = kernel.maps[m].dma else { return nil }
            let k = kernel.maps[m]
            // The model's clamp (Apply.swift): the offset within the mapping, at least one byte.
            let at = dma + UInt64(offset % UInt32(k.size))
            let n = Int(max(size, 1))
            if case .syncForCpu = op {
                g.syncSingleForCpu(device: kernel.devices[k.device], dma: at, size: n, k.direction)
                try compareCpuView(k)
            } else {
                g.syncSingleForDevice(device: kernel.devices[k.device], dma: at, size: n, k.direction)
                try compareDeviceView(k, dma: dma)
            }
            return bounceOf(m, s.mappings[m])
        case let .mapSg(device, list, direction):
            let sg = before.scatterlists
            let segments = list.map { KernelGuest.Segment(phys: s.buffers[$0].phys, length: Int(s.buffers[$0].size)) }
            let mapped = g.mapSg(device: kernel.devices[device], segments, direction)
            let entries = Array(before.mappings ..< s.mappings.count)
            // The model's records of this call: one per entry it tried; the kernel's per segment.
            for (i, m) in entries.enumerated() {
                let seg = mapped?[i]
                kernel.maps.append(.init(device: device, phys: s.mappings[m].phys, size: Int(s.mappings[m].size), direction: direction,
                    dma: seg?.dma, live: seg != nil))
            }
            kernel.scatterlists.append(mapped.map { .init(device: device, direction: direction, segments: $0, entries: entries, live: true) })
            let modelOk = s.scatterlists[sg].live
            if modelOk != (mapped != nil) {
                throw divergence(.outcome, "scatterlist \(sg)", model: modelOk ? "mapped" : "failed", kernel: mapped != nil ? "mapped" : "failed")
            }
            if let mapped {
                for (i, m) in entries.enumerated() {
                    try compareDma("entry \(i) of scatterlist \(sg)", model: s.mappings[m].dma, kernel: mapped[i].dma)
                    try compareDeviceView(kernel.maps[m], dma: mapped[i].dma)
                }
            }
        case .unmapSg(let sg), .syncSgForCpu(let sg), .syncSgForDevice(let sg):
            guard let list = kernel.scatterlists[sg], list.live else { return nil }
            let dev = kernel.devices[list.device]
            switch op {
            case .unmapSg:
                g.unmapSg(device: dev, list.segments, list.direction)
                kernel.scatterlists[sg]!.live = false
                for m in list.entries { kernel.maps[m].live = false }
            case .syncSgForCpu:
                for seg in list.segments { g.syncSingleForCpu(device: dev, dma: seg.dma, size: seg.dmaLength, list.direction) }
            default:
                for seg in list.segments { g.syncSingleForDevice(device: dev, dma: seg.dma, size: seg.dmaLength, list.direction) }
            }
            for m in list.entries { try compareCpuView(kernel.maps[m]) }
        case let .allocCoherent(device, size, blocking):
            let got = g.allocCoherent(device: kernel.devices[device], size: Int(max(size, 1)), atomic: !blocking)
            let c = before.coherent
            let made = c < s.coherent.count
            // Indexed by the model's coherent handles, which only a made allocation takes.
            if made { kernel.coherent.append(got.map { .init(device: device, size: Int(max(size, 1)), phys: $0.phys, dma: $0.dma, live: true) }) }
            if made != (got != nil) {
                throw divergence(.outcome, "coherent \(c)", model: made ? "allocated" : "failed", kernel: got != nil ? "allocated" : "failed")
            }
            if let got {
                if got.phys != s.coherent[c].phys {
                    throw divergence(.cpuAddress, "coherent \(c)", model: hex(s.coherent[c].phys), kernel: hex(got.phys))
                }
                try compareDma("coherent \(c)", model: s.coherent[c].dma, kernel: got.dma)
            }
        case .freeCoherent(let c):
            try freeCoherent(c)
        case .unbind(let device):
            // driverUnbind's order: scatterlists, then single mappings, then coherent memory.
            for sg in kernel.scatterlists.indices where kernel.scatterlists[sg]?.live == true && kernel.scatterlists[sg]!.device == device {
                let list = kernel.scatterlists[sg]!
                g.unmapSg(device: kernel.devices[device], list.segments, list.direction)
                kernel.scatterlists[sg]!.live = false
                for m in list.entries { kernel.maps[m].live = false }
            }
            let inLists = Set(kernel.scatterlists.compactMap { $0 }.flatMap(\.entries))
            var unmapped: [KernelSide.Map] = []
            for m in kernel.maps.indices where kernel.maps[m].live && kernel.maps[m].device == device && !inLists.contains(m) {
                let k = kernel.maps[m]
                g.unmapSingle(device: kernel.devices[device], dma: k.dma!, size: k.size, k.direction)
                kernel.maps[m].live = false
                unmapped.append(k)
            }
            for c in kernel.coherent.indices where kernel.coherent[c]?.live == true && kernel.coherent[c]!.device == device {
                try freeCoherent(c)
            }
            // Compared once the whole remove() ran, as the model's step did.
            for k in unmapped { try compareCpuView(k) }
        case let .dmaSetSegBoundary(device, mask):
            // Nothing comes back: the next slot search on either side shows what the boundary did.
            g.setSegmentBoundary(device: kernel.devices[device], mask: mask)
        case .migrateToCpu(let cpu):
            // The model moved (a CPU the boot has): the shim's raw_smp_processor_id() follows, and
            // the next slot search on each side shows which area it starts in.
            if !g.migrateToCpu(cpu) {
                throw divergence(.outcome, "CPU \(cpu) of \(g.boot.possibleCpus)", model: "moved", kernel: "not a possible CPU")
            }
        case .runDeferredWork:
            g.runWork()
        case .failNextConversion(let k):
            g.failConversion(afterPages: k)
        default:
            throw OutOfScope(reason: "\(kind.name) has no kernel counterpart")
        }
        return nil
    }

    func zoneFor(_ op: GuestOperation) -> Zone {
        if case .kmalloc(_, let zone) = op { return zone }
        return .normal
    }

    mutating func freeCoherent(_ c: Int) throws {
        guard let k = kernel.coherent[c], k.live else { return }
        kernel.guest.freeCoherent(device: kernel.devices[k.device], size: k.size, phys: k.phys, dma: k.dma)
        kernel.coherent[c]!.live = false
    }

    /// A bounced mapping's original buffer and slot, for the kernel oracle's copy bounds.
    func bounceOf(_ m: Int, _ mapping: Mapping) -> (orig: UInt64, slot: UInt64, size: UInt64)? {
        guard let dma = kernel.maps[m].dma, let pool = kernel.guest.defaultPool else { return nil }
        let slot = oracle.dmaToPhys(dma, rangeOffset: runner.system.devices[mapping.device].config.dmaRangeOffset)
        guard slot >= pool.start, slot < pool.end else { return nil }
        return (mapping.phys, slot, UInt64(mapping.size))
    }

    func compareDma(_ what: String, model: UInt64?, kernel: UInt64?) throws {
        let m = model == dmaMappingError ? nil : model
        guard m != kernel else { return }
        throw divergence(m == nil || kernel == nil ? .outcome : .dmaAddress, what,
            model: m.map(hex) ?? "DMA_MAPPING_ERROR", kernel: kernel.map(hex) ?? "DMA_MAPPING_ERROR")
    }

    /// What the CPU reads in the mapped buffer.
    func compareCpuView(_ k: KernelSide.Map) throws {
        if let d = compareBytes(.cpuBytes, phys: k.phys, count: k.size, kernelBytes: kernel.guest.read(phys: k.phys, count: k.size)) { throw d }
    }

    /// What the device reads through the kernel's DMA address, against what the model says sits
    /// at the model's address for it (the same address while the two agree).
    func compareDeviceView(_ k: KernelSide.Map, dma: UInt64) throws {
        // The host's view of the bus address: the encryption bit and the dma-ranges offset
        // removed (the kernel's dma_to_phys() translates before it clears the C-bit, which
        // fails for an encrypted address above a dma-ranges region).
        let hostPhys = oracle.dmaToPhys(dma, rangeOffset: runner.system.devices[k.device].config.dmaRangeOffset)
        let kernelBytes = kernel.guest.read(phys: hostPhys, count: k.size)
        let phys = runner.system.dmaToPhys(k.device, dma)
        if let d = compareBytes(.deviceBytes, phys: phys, count: k.size, kernelBytes: kernelBytes) { throw d }
    }

    /// The bytes a driver or the host wrote in the model, written where the model wrote them. The
    /// kernel oracle's shadow takes them as the driver's own, disclosed only when written into a
    /// page the kernel shared (a coherent buffer), or as the host's.
    mutating func mirrorWrites(_ s: DmaLayer, _ host: Bool) throws {
        kernel.guest.pageTable(states: &states, held: &held)
        for event in s.events {
            let lo: UInt32, hi: UInt32
            switch event {
            case let .cpuWrote(a, b): (lo, hi) = (a.raw, b.raw)
            case let .hostWrote(a, b, _): (lo, hi) = (a.raw, b.raw)
            default: continue
            }
            let phys = GuestMemory.phys(ofByteIndex: lo)
            let bytes = ByteImage.model(s, phys: phys, count: Int(hi - lo)) ?? []
            kernel.guest.write(phys: phys, bytes)
            let tag = s.memory.contents.tag(at: lo)
            let shared = GuestMemory.page(ofPhys: phys).map { states[$0] == 1 } ?? false
            oracle.wrote(phys: phys, count: bytes.count, host ? tag : .guest(tag.id, disclosed: shared))
        }
    }

    /// The device's bytes, through the kernel's own DMA address for the mapping.
    mutating func mirrorDeviceWrite(_ s: DmaLayer, _ m: Int) throws {
        guard m < kernel.maps.count, !kernel.maps[m].absent else { return }
        let k = kernel.maps[m]
        guard let dma = k.dma else {
            if s.events.contains(where: { if case .hostWrote = $0 { true } else { false } }) {
                throw divergence(.deviceBytes, "mapping \(m)", model: "the device wrote through \(hex(s.mappings[m].dma))",
                    kernel: "no address was returned")
            }
            return
        }
        let base = s.dmaToPhys(k.device, s.mappings[m].dma)
        for event in s.events {
            guard case let .hostWrote(lo, hi, tag) = event else { continue }
            let phys = GuestMemory.phys(ofByteIndex: lo.raw)
            let bytes = [UInt8](repeating: ByteImage.byte(tag), count: Int(hi.raw - lo.raw))
            let at = dma &+ (phys &- base)
            let hostPhys = oracle.dmaToPhys(at, rangeOffset: s.devices[k.device].config.dmaRangeOffset)
            if !kernel.guest.write(phys: hostPhys, bytes) {
                throw divergence(.deviceBytes, "mapping \(m) at \(hex(at))", model: "written", kernel: "not RAM")
            }
            if let p = GuestMemory.byteIndex(ofPhys: hostPhys) { oracle.contents.fill(p, p + UInt32(bytes.count), tag) }
        }
    }
}

extension KernelSide {
    /// A step that ran on the model only: objects it made have no kernel counterpart, so later
    /// steps on them are not compared.
    mutating func noteAbsent(_ s: DmaLayer, _ before: Counts) {
        for m in before.mappings ..< s.mappings.count {
            maps.append(.init(device: s.mappings[m].device, phys: s.mappings[m].phys, size: Int(s.mappings[m].size),
                direction: s.mappings[m].direction, dma: nil, live: false, absent: true))
        }
    }
}
