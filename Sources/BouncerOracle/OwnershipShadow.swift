import BouncerModel

/// What the DMA API's ownership rules let each mapping's owner expect, kept from the step's
/// events: per live mapping the device may write, the bytes the guest should read back when it
/// next looks, and the live mappings' extents, so overlapping device-writable mappings leave
/// their shared bytes undefined. It judges nothing; `IntegrityChecks` compares against it.
struct OwnershipShadow: Sendable {
    /// Per mapping handle, what the oracle knows of it (`watched[handle]`).
    var watched: [Watch] = []

    /// What the shadow keeps for one mapping.
    struct Watch {
        /// The expected contents of its buffer when the CPU next looks; nil once unmapped, and
        /// for mappings the device only reads.
        var expected: ProvenanceMap?
        /// The allocation that owns the mapped bytes.
        var owner: UInt32 = 0
        /// Byte ranges another live device-writable mapping overlapped; nothing is expected of them.
        var undefined: [(UInt32, UInt32)] = []
        /// The buffer's own bytes when the device last got it, to tell the buffer's old contents
        /// (lost device data) from foreign bytes (stale slot contents).
        var ownBytesAtHandover: ProvenanceMap?
    }

    /// The live mappings' byte ranges, kept from the `mapped` and `unmapped` events, so an overlap
    /// check reads a short dense list rather than every mapping handle ever made.
    var liveExtents: [LiveExtent] = []

    struct LiveExtent {
        var handle: Int
        var lo: UInt64
        var hi: UInt64
        var deviceWrites: Bool
    }

    /// What is expected of a mapping, if anything.
    func watch(_ mapping: Int) -> Watch? { mapping < watched.count ? watched[mapping] : nil }

    /// Updates the expectations for one event, after the checks have judged it.
    mutating func observe(_ event: Event, _ s: DmaLayer) {
        switch event {
        case let .mapped(mapping):
            let m = s.mappings[mapping]
            grow(to: mapping)
            watched[mapping].owner = allocation(containing: m.phys, s)
            // A mapping of no RAM (an MMIO resource) holds no bytes to expect or overlap.
            guard let lo = GuestMemory.byteIndex(ofPhys: m.phys) else { return }
            if m.direction.deviceWrites {
                watched[mapping].expected = s.memory.contents.extract(lo, lo + m.size)
                watched[mapping].ownBytesAtHandover = watched[mapping].expected
            }
            unconstrainOverlaps(of: mapping, s)
        case let .hostWrote(lo, hi, tag):
            // The write lands in every live mapping whose DMA buffer (its slot when bounced, the
            // buffer itself when mapped directly) holds these bytes, while it is still expected.
            for extent in liveExtents where extent.deviceWrites {
                let x = extent.handle
                guard watched[x].expected != nil else { continue }
                let mx = s.mappings[x]
                guard let base = GuestMemory.byteIndex(ofPhys: mx.bouncePool != nil ? mx.tlbAddress : mx.phys) else { continue }
                let a = max(lo.raw, base), b = min(hi.raw, base + mx.size)
                if a < b { watched[x].expected!.fill(a - base, b - base, tag) }
            }
        case let .cpuWrote(lo, hi):
            for extent in liveExtents where extent.deviceWrites {
                let x = extent.handle
                guard watched[x].expected != nil, let base = GuestMemory.byteIndex(ofPhys: s.mappings[x].phys) else { continue }
                let a = max(lo.raw, base), b = min(hi.raw, base + s.mappings[x].size)
                if a < b { watched[x].expected!.fill(a - base, b - base, .unconstrained) }
            }
        case let .syncedForDevice(mapping, offset, size):
            let m = s.mappings[mapping]
            if m.direction.deviceReads, mapping < watched.count, watched[mapping].expected != nil,
                let base = GuestMemory.byteIndex(ofPhys: m.phys)
            {
                let end = min(UInt64(offset) + UInt64(size), UInt64(m.size))
                let lo = min(offset, m.size)
                s.memory.contents.forEachRun(base + lo, base + UInt32(end)) { a, b, tag in
                    watched[mapping].expected!.fill(a - base, b - base, tag)
                    watched[mapping].ownBytesAtHandover?.fill(a - base, b - base, tag)
                    return true
                }
            }
        case let .unmapped(mapping, _):
            if mapping < watched.count {
                watched[mapping].expected = nil
                watched[mapping].ownBytesAtHandover = nil
            }
            if let i = liveExtents.firstIndex(where: { $0.handle == mapping }) { liveExtents.remove(at: i) }
        default:
            return
        }
    }

    /// Two live mappings of the same bytes, one of them device-writable, leave those bytes
    /// undefined under the DMA API (dma-debug warns of such overlaps): expect nothing of them.
    mutating func unconstrainOverlaps(of mapping: Int, _ s: DmaLayer) {
        let m = s.mappings[mapping]
        let mine = LiveExtent(handle: mapping, lo: m.phys, hi: m.phys + UInt64(m.size), deviceWrites: m.direction.deviceWrites)
        for other in liveExtents where mine.deviceWrites || other.deviceWrites {
            let lo = max(mine.lo, other.lo), hi = min(mine.hi, other.hi)
            guard lo < hi else { continue }
            leaveUndefined(mapping, UInt32(lo - mine.lo), UInt32(hi - mine.lo))
            leaveUndefined(other.handle, UInt32(lo - other.lo), UInt32(hi - other.lo))
        }
        liveExtents.append(mine)
    }

    /// Records bytes of a mapping as undefined, if anything is expected of it and no range
    /// already recorded covers them: a buffer mapped over and over would otherwise collect one
    /// entry per pair of its mappings.
    mutating func leaveUndefined(_ mapping: Int, _ lo: UInt32, _ hi: UInt32) {
        guard watched[mapping].expected != nil,
            !watched[mapping].undefined.contains(where: { $0.0 <= lo && hi <= $0.1 })
        else { return }
        watched[mapping].undefined.append((lo, hi))
    }

    mutating func grow(to mapping: Int) {
        if watched.capacity <= mapping { watched.reserveCapacity(max(32, 2 * mapping)) }
        while watched.count <= mapping { watched.append(Watch()) }
    }

    func allocation(containing phys: UInt64, _ s: DmaLayer) -> UInt32 {
        // Outside RAM (an MMIO resource) nothing is allocated. A page a large buffer or a
        // coherent allocation owns names it; slab objects share their pages, so those are looked
        // up among the buffers.
        guard let page = GuestMemory.page(ofPhys: phys) else { return 0 }
        switch s.memory.owners[page] {
        case .buffer(let b) where s.buffers[b].live && phys < s.buffers[b].phys + UInt64(s.buffers[b].size):
            return s.buffers[b].allocation
        case .coherent(let c) where s.coherent[c].live: return s.coherent[c].allocation
        default: break
        }
        for b in s.buffers where b.live && phys >= b.phys && phys < b.phys + UInt64(b.size) { return b.allocation }
        for c in s.coherent where c.live && phys >= c.phys && phys < c.phys + UInt64(c.pages) << 12 { return c.allocation }
        return 0
    }
}
