import BouncerModel
import BouncerRunner
import BouncerTransports

/// The kinds of object an operation can name.
enum HandleKind: Int, CaseIterable, Hashable {
    case device, buffer, mapping, scatterlist, coherent, channel, virtio, nvme

    func count(_ g: Guest) -> Int {
        let s = g.system
        return switch self {
        case .device: s.devices.count
        case .buffer: s.buffers.count
        case .mapping: s.mappings.count
        case .scatterlist: s.scatterlists.count
        case .coherent: s.coherent.count
        case .channel: g.channels.count
        case .virtio: g.virtio.count
        case .nvme: g.nvme.count
        }
    }
}

extension Operation {
    /// The handles the operation names, in field order.
    var references: [(HandleKind, Int)] {
        switch self {
        case .probeDevice, .kmalloc, .runDeferredWork, .enterSecureMode, .hostWrite, .failNextConversion, .vmbusOffer,
            .hostFailNextGpadl, .virtioProbe, .nvmeProbe:
            []
        case .vmbusOpen(let ch), .vmbusClose(let ch), .vmbusRescind(let ch), .vmbusHostCompletion(let ch, _, _, _),
            .netvscHostReceive(let ch, _, _, _):
            [(.channel, ch)]
        case let .vmbusSend(ch, b, _, _, _): [(.channel, ch), (.buffer, b)]
        case .virtioHostUsed(let v, _, _), .virtioReset(let v): [(.virtio, v)]
        case let .virtioAddBuffer(v, b, _, _, _): [(.virtio, v), (.buffer, b)]
        case .nvmeHostComplete(let n, _, _), .nvmeRemove(let n): [(.nvme, n)]
        case let .nvmeSubmit(n, b, _, _, _): [(.nvme, n), (.buffer, b)]
        case .kfree(let b), .cpuWrite(let b, _, _): [(.buffer, b)]
        case let .mapBuffer(d, b, _, _, _, _): [(.device, d), (.buffer, b)]
        case .mapCoherent(let c, _, _, _), .freeCoherent(let c), .cpuWriteCoherent(let c, _, _): [(.coherent, c)]
        case .mapResource(let d, _), .allocCoherent(let d, _, _), .unbind(let d): [(.device, d)]
        case .unmap(let m, _), .syncForCpu(let m, _, _), .syncForDevice(let m, _, _), .deviceWrite(let m, _, _):
            [(.mapping, m)]
        case let .mapSg(d, list, _): [(.device, d)] + list.map { (.buffer, $0) }
        case .unmapSg(let sg): [(.scatterlist, sg)]
        }
    }

    /// The same operation naming `handles` instead, in field order.
    func naming(_ h: [Int]) -> Operation {
        switch self {
        case .probeDevice, .kmalloc, .runDeferredWork, .enterSecureMode, .hostWrite, .failNextConversion, .vmbusOffer,
            .hostFailNextGpadl, .virtioProbe, .nvmeProbe:
            self
        case .vmbusOpen: .vmbusOpen(channel: h[0])
        case .vmbusClose: .vmbusClose(channel: h[0])
        case .vmbusRescind: .vmbusRescind(channel: h[0])
        case let .vmbusHostCompletion(_, id, l, r): .vmbusHostCompletion(channel: h[0], requestId: id, length: l, rewrittenLength: r)
        case let .netvscHostReceive(_, o, l, r): .netvscHostReceive(channel: h[0], offset: o, length: l, rewrittenLength: r)
        case let .vmbusSend(_, _, o, s, dir): .vmbusSend(channel: h[0], buffer: h[1], offset: o, size: s, direction: dir)
        case let .virtioHostUsed(_, id, l): .virtioHostUsed(virtio: h[0], id: id, length: l)
        case .virtioReset: .virtioReset(virtio: h[0])
        case let .virtioAddBuffer(_, _, o, s, w): .virtioAddBuffer(virtio: h[0], buffer: h[1], offset: o, size: s, deviceWrites: w)
        case let .nvmeHostComplete(_, id, l): .nvmeHostComplete(nvme: h[0], commandId: id, length: l)
        case .nvmeRemove: .nvmeRemove(nvme: h[0])
        case let .nvmeSubmit(_, _, o, s, w): .nvmeSubmit(nvme: h[0], buffer: h[1], offset: o, size: s, deviceWrites: w)
        case .kfree: .kfree(buffer: h[0])
        case let .cpuWrite(_, o, s): .cpuWrite(buffer: h[0], offset: o, size: s)
        case let .mapBuffer(_, _, o, s, dir, skip): .mapBuffer(device: h[0], buffer: h[1], offset: o, size: s, direction: dir, skipCpuSync: skip)
        case let .mapCoherent(_, o, s, dir): .mapCoherent(coherent: h[0], offset: o, size: s, direction: dir)
        case .freeCoherent: .freeCoherent(coherent: h[0])
        case let .cpuWriteCoherent(_, o, s): .cpuWriteCoherent(coherent: h[0], offset: o, size: s)
        case let .mapResource(_, s): .mapResource(device: h[0], size: s)
        case let .allocCoherent(_, s, b): .allocCoherent(device: h[0], size: s, blocking: b)
        case .unbind: .unbind(device: h[0])
        case let .unmap(_, skip): .unmap(mapping: h[0], skipCpuSync: skip)
        case let .syncForCpu(_, o, s): .syncForCpu(mapping: h[0], offset: o, size: s)
        case let .syncForDevice(_, o, s): .syncForDevice(mapping: h[0], offset: o, size: s)
        case let .deviceWrite(_, o, s): .deviceWrite(mapping: h[0], offset: o, size: s)
        case let .mapSg(_, _, dir): .mapSg(device: h[0], buffers: Array(h.dropFirst()), direction: dir)
        case .unmapSg: .unmapSg(scatterlist: h[0])
        }
    }
}

/// Which operation of the original input created an object: its position, the kind, and the
/// ordinal among the objects of that kind it created (a scatterlist creates several mappings).
struct Creator: Hashable {
    var step: Int
    var kind: HandleKind
    var ordinal: Int
}

/// An operation whose references name their creators instead of handles, so that deleting
/// other operations never makes it name the wrong object.
struct AbstractOperation: Hashable {
    /// Position in the original input: the identity creators refer to.
    var step: Int
    var template: Operation
    /// One per reference; nil when the original named nothing that existed.
    var creators: [Creator?]
}
