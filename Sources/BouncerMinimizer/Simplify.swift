import BouncerModel
import BouncerRunner
import BouncerTransports

/// Simpler versions of an operation, simplest first: defaults for flags, zero offsets, small
/// round sizes. Every candidate is strictly simpler in a fixed order (smaller numbers, default
/// flags, directions towards DMA_TO_DEVICE), so simplification always ends.
enum Simplify {
    /// The zero-offset variant, when the offset is not already zero.
    static func zeroed(_ offset: UInt32, _ make: () -> Operation) -> [Operation] { offset == 0 ? [] : [make()] }

    static func smaller(_ v: UInt32) -> [UInt32] {
        [1, 64, 512, 4096, v / 2].filter { $0 > 0 && $0 < v }
    }

    static func candidates(_ op: Operation) -> [Operation] {
        switch op {
        case .probeDevice(let c):
            var out = [DeviceConfig()]
            func with(_ change: (inout DeviceConfig) -> Void) {
                var d = c
                change(&d)
                out.append(d)
            }
            with { $0.trusted = false; $0.accepted = false }
            with { $0.dmaMaskBits = 64 }
            with { $0.busDmaLimit = 0 }
            with { $0.dmaRangeOffset = 0 }
            with { $0.forceBounce = false }
            with { $0.swiotlbDisabled = false }
            with { $0.restrictedPool = false }
            with { $0.minAlignMask = 0 }
            return out.map { .probeDevice($0) }
        case let .kmalloc(size, zone):
            return smaller(size).map { .kmalloc(size: $0, zone: zone) } + (zone == .normal ? [] : [.kmalloc(size: size, zone: .normal)])
        case let .cpuWrite(b, offset, size):
            return zeroed(offset) { .cpuWrite(buffer: b, offset: 0, size: size) } + smaller(size).map { .cpuWrite(buffer: b, offset: offset, size: $0) }
        case let .mapBuffer(d, b, offset, size, dir, skip):
            return [.mapBuffer(device: d, buffer: b, offset: 0, size: size, direction: dir, skipCpuSync: skip)]
                + smaller(size).map { .mapBuffer(device: d, buffer: b, offset: offset, size: $0, direction: dir, skipCpuSync: skip) }
                + (skip ? [.mapBuffer(device: d, buffer: b, offset: offset, size: size, direction: dir, skipCpuSync: false)] : [])
                + DmaDirection.allCases.filter { $0.rawValue < dir.rawValue }.map {
                    .mapBuffer(device: d, buffer: b, offset: offset, size: size, direction: $0, skipCpuSync: skip)
                }
        case let .mapCoherent(c, offset, size, dir):
            return [.mapCoherent(coherent: c, offset: 0, size: size, direction: dir)]
                + smaller(size).map { .mapCoherent(coherent: c, offset: offset, size: $0, direction: dir) }
        case let .mapResource(d, size):
            return smaller(size).map { .mapResource(device: d, size: $0) }
        case let .unmap(m, skip):
            return skip ? [.unmap(mapping: m, skipCpuSync: false)] : []
        case let .syncForCpu(m, offset, size):
            return [.syncForCpu(mapping: m, offset: 0, size: size)] + smaller(size).map { .syncForCpu(mapping: m, offset: offset, size: $0) }
        case let .syncForDevice(m, offset, size):
            return [.syncForDevice(mapping: m, offset: 0, size: size)] + smaller(size).map { .syncForDevice(mapping: m, offset: offset, size: $0) }
        case let .deviceWrite(m, offset, size):
            return [.deviceWrite(mapping: m, offset: 0, size: size)] + smaller(size).map { .deviceWrite(mapping: m, offset: offset, size: $0) }
        case let .mapSg(d, list, dir):
            return list.count > 1 ? list.indices.map { i in .mapSg(device: d, buffers: list.enumerated().filter { $0.offset != i }.map(\.element), direction: dir) } : []
        case let .allocCoherent(d, size, blocking):
            return smaller(size).map { .allocCoherent(device: d, size: $0, blocking: blocking) }
                + (blocking ? [] : [.allocCoherent(device: d, size: size, blocking: true)])
        case let .cpuWriteCoherent(c, offset, size):
            return [.cpuWriteCoherent(coherent: c, offset: 0, size: size)] + smaller(size).map { .cpuWriteCoherent(coherent: c, offset: offset, size: $0) }
        case let .hostWrite(page, offset, size):
            return [.hostWrite(page: page, offset: 0, size: size)] + smaller(size).map { .hostWrite(page: page, offset: offset, size: $0) }
        case .failNextConversion(let k):
            return (0 ..< k).map { .failNextConversion(afterPages: $0) }
        case let .vmbusOffer(o, legacy):
            var out: [Operation] = []
            if legacy { out.append(.vmbusOffer(o, legacyHost: false)) }
            if o.coExternalMemory { out.append(.vmbusOffer(VmbusOffer(deviceClass: o.deviceClass, coRingBuffer: o.coRingBuffer), legacyHost: legacy)) }
            if o.coRingBuffer && !o.coExternalMemory { out.append(.vmbusOffer(VmbusOffer(deviceClass: o.deviceClass), legacyHost: legacy)) }
            return out
        case let .vmbusSend(ch, b, offset, size, dir):
            return zeroed(offset) { .vmbusSend(channel: ch, buffer: b, offset: 0, size: size, direction: dir) }
                + smaller(size).map { .vmbusSend(channel: ch, buffer: b, offset: offset, size: $0, direction: dir) }
        case let .vmbusHostCompletion(ch, id, length, rewritten):
            return (1 ..< max(1, min(id, 8))).map { .vmbusHostCompletion(channel: ch, requestId: $0, length: length, rewrittenLength: rewritten) }
                + (rewritten != length ? [.vmbusHostCompletion(channel: ch, requestId: id, length: length, rewrittenLength: length)] : [])
                + smaller(length).map { .vmbusHostCompletion(channel: ch, requestId: id, length: $0, rewrittenLength: rewritten == length ? $0 : rewritten) }
        case let .netvscHostReceive(ch, offset, length, rewritten):
            return (rewritten != length ? [.netvscHostReceive(channel: ch, offset: offset, length: length, rewrittenLength: length)] : [])
                + zeroed(offset) { .netvscHostReceive(channel: ch, offset: 0, length: length, rewrittenLength: rewritten) }
                + smaller(length).map { .netvscHostReceive(channel: ch, offset: offset, length: $0, rewrittenLength: rewritten == length ? $0 : rewritten) }
        case let .virtioProbe(t, f):
            return (t == .pci ? [] : [.virtioProbe(transport: .pci, features: f)])
                + (f.contains(.swiotlb) ? [.virtioProbe(transport: t, features: f.subtracting(.swiotlb))] : [])
        case let .virtioAddBuffer(v, b, offset, size, w):
            return zeroed(offset) { .virtioAddBuffer(virtio: v, buffer: b, offset: 0, size: size, deviceWrites: w) }
                + smaller(size).map { .virtioAddBuffer(virtio: v, buffer: b, offset: offset, size: $0, deviceWrites: w) }
        case let .virtioHostUsed(v, id, length):
            // Lower ids name earlier posts, so the posts before can go.
            return (0 ..< min(id, 8)).map { .virtioHostUsed(virtio: v, id: $0, length: length) }
                + smaller(length).map { .virtioHostUsed(virtio: v, id: id, length: $0) }
        case let .nvmeSubmit(n, b, offset, size, w):
            return zeroed(offset) { .nvmeSubmit(nvme: n, buffer: b, offset: 0, size: size, deviceWrites: w) }
                + smaller(size).map { .nvmeSubmit(nvme: n, buffer: b, offset: offset, size: $0, deviceWrites: w) }
        case let .nvmeHostComplete(n, id, length):
            return (0 ..< min(id, 8)).map { .nvmeHostComplete(nvme: n, commandId: $0, length: length) }
                + smaller(length).map { .nvmeHostComplete(nvme: n, commandId: id, length: $0) }
        case .kfree, .freeCoherent, .unbind, .unmapSg, .runDeferredWork, .enterSecureMode, .vmbusOpen, .vmbusClose,
            .vmbusRescind, .hostFailNextGpadl, .virtioReset, .nvmeProbe, .nvmeRemove:
            return []
        }
    }
}
