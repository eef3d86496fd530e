import BouncerModel
import BouncerPolicy
import BouncerTransports

extension RandomExplorer {
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0 ..< 100, using: &rng) < percent }

    /// A transport operation that names live objects: mostly what drivers and a well-behaved host
    /// do, with hostile lengths, ids, rewrites, rescinds and refusals mixed in. Nil when nothing fits.
    mutating func nextTransport(_ g: Guest) -> Operation? {
        let s = g.system
        let buffers = s.buffers.indices.filter { s.buffers[$0].live }
        let open = g.channels.indices.filter { g.channels[$0].state == .open }
        let closed = g.channels.indices.filter { g.channels[$0].state == .offered || g.channels[$0].state == .closed }
        let virtio = g.virtio.indices.filter { g.virtio[$0].status == .live }
        let nvme = g.nvme.indices.filter { g.nvme[$0].live }
        switch Int.random(in: 0 ..< 100, using: &rng) {
        case 0 ..< 4:
            guard g.channels.count < 4 else { return nil }
            let confidential = chance(30)
            return .vmbusOffer(
                VmbusOffer(
                    deviceClass: Bool.random(using: &rng) ? .storvsc : .netvsc, coRingBuffer: confidential || chance(3),
                    coExternalMemory: confidential && chance(60)),
                legacyHost: chance(5))
        case 4 ..< 10:
            if let ch = pick(closed) { return .vmbusOpen(channel: ch) }
        case 10 ..< 22:
            if let ch = pick(open), let b = pick(buffers) {
                return .vmbusSend(channel: ch, buffer: b, offset: 0, size: s.buffers[b].size, direction: direction())
            }
        case 22 ..< 32:
            if let ch = pick(open) {
                let outstanding = g.channels[ch].requests.indices.filter { g.channels[ch].requests[$0] != nil }
                let id = chance(85) ? pick(outstanding).map { UInt32($0 + 1) } ?? 1 : UInt32.random(in: 0 ..< 12, using: &rng)
                let length: UInt32 = chance(85) ? 64 : UInt32.random(in: 0 ... 9000, using: &rng)
                let rewritten = chance(80) ? length : UInt32.random(in: 0 ... 9000, using: &rng)
                return .vmbusHostCompletion(channel: ch, requestId: id, length: length, rewrittenLength: rewritten)
            }
        case 32 ..< 38:
            if let ch = pick(open.filter { g.channels[$0].offer.deviceClass == .netvsc }) {
                let offset: UInt32 = chance(85) ? UInt32.random(in: 0 ..< 8, using: &rng) * 4096 : UInt32.random(in: 0 ... 40000, using: &rng)
                let length: UInt32 = chance(85) ? size(1500) : UInt32.random(in: 0 ... 40000, using: &rng)
                let rewritten = chance(80) ? length : UInt32.random(in: 0 ... 40000, using: &rng)
                return .netvscHostReceive(channel: ch, offset: offset, length: length, rewrittenLength: rewritten)
            }
        case 38 ..< 41:
            if let ch = pick(open) { return .vmbusClose(channel: ch) }
        case 41 ..< 43:
            if let ch = pick(g.channels.indices.filter { !g.channels[$0].rescinded && g.channels[$0].state != .refused }) {
                return .vmbusRescind(channel: ch)
            }
        case 43 ..< 45:
            return .hostFailNextGpadl
        case 45 ..< 49:
            guard g.virtio.count < 4 else { return nil }
            var features = VirtioFeatures.all
            if chance(15) { features.remove(.accessPlatform) }
            if chance(5) { features.remove(.version1) }
            if chance(50) { features.remove(.swiotlb) }
            return .virtioProbe(transport: chance(70) ? .pci : .mmioRestricted, features: features)
        case 49 ..< 62:
            if let v = pick(virtio), let b = pick(buffers) {
                return .virtioAddBuffer(virtio: v, buffer: b, offset: 0, size: s.buffers[b].size, deviceWrites: Bool.random(using: &rng))
            }
        case 62 ..< 72:
            if let v = pick(virtio), let queue = g.virtio[v].queue {
                let posted = queue.heads.indices.filter { queue.heads[$0] != nil }
                let id = chance(90) ? pick(posted).map(UInt32.init) ?? 0 : UInt32.random(in: 0 ..< 12, using: &rng)
                let length: UInt32 = chance(85)
                    ? (queue.heads[Int(min(id, 7))].map { size($0.length) } ?? 64) : UInt32.random(in: 0 ... 20000, using: &rng)
                return .virtioHostUsed(virtio: v, id: id, length: length)
            }
        case 72 ..< 74:
            // The device rewrites a posted descriptor, mostly to another address it was handed.
            if let v = pick(virtio), let queue = g.virtio[v].queue, let m = pick(Array(s.mappings.indices)) {
                let posted = queue.heads.indices.filter { queue.heads[$0] != nil }
                let id = pick(posted).map(UInt32.init) ?? 0
                let offset: UInt32 = chance(70) ? 0 : UInt32.random(in: 0 ... 4096, using: &rng)
                return .virtioHostDescriptor(
                    virtio: v, id: id, mapping: m, offset: offset, length: size(max(1, s.mappings[m].size)),
                    deviceWrites: Bool.random(using: &rng))
            }
        case 74 ..< 76:
            if let v = pick(virtio) { return .virtioReset(virtio: v) }
        case 76 ..< 79:
            guard g.nvme.count < 3 else { return nil }
            return .nvmeProbe(tdisp: chance(40))
        case 79 ..< 89:
            if let n = pick(nvme), let b = pick(buffers) {
                return .nvmeSubmit(nvme: n, buffer: b, offset: 0, size: s.buffers[b].size, deviceWrites: Bool.random(using: &rng))
            }
        case 89 ..< 97:
            if let n = pick(nvme) {
                let outstanding = g.nvme[n].commands.indices.filter { g.nvme[n].commands[$0] != nil }
                let id = chance(90) ? pick(outstanding).map(UInt16.init) ?? 0 : UInt16.random(in: 0 ..< 12, using: &rng)
                return .nvmeHostComplete(nvme: n, commandId: id, length: size(9000))
            }
        default:
            if let n = pick(nvme) { return .nvmeRemove(nvme: n) }
        }
        return nil
    }
}
