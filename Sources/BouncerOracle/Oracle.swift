import BouncerModel
import BouncerPolicy

/// Checks every invariant after every step.
///
/// Most checks read the events the step recorded (what was handed to which device, which pool
/// served what, what `swiotlb_bounce()` copied); the rest scan state. The oracle also keeps, per
/// live mapping the device may write, the bytes the guest should read back, as the DMA API's
/// ownership rules define them.
public struct Oracle: Sendable {
    /// Per mapping handle, what the oracle knows of it (`watched[handle]`).
    var watched: [Watch] = []

    /// What the oracle keeps for one mapping.
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
        var own: ProvenanceMap?
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

    public init() {}

    /// All violations of the step just run, in invariant-check order; empty when clean.
    ///
    /// One pass over the step's events: the event checks report as they go; the state checks
    /// (freed pages, private bytes touched, releases) look at the state after the step and keep
    /// the first violation each, reported after the event checks' in that order.
    public mutating func check(_ system: System, step: Int) -> [Violation] {
        var found: [Violation] = []
        var freed: Violation?, touched: Violation?, released: Violation?
        let confidential = system.platform.confidential
        // Pages the step freed or leaked, gathered once: most steps release none.
        let releasedPages: [Range<Int>] = system.events.compactMap { event in
            switch event {
            case .freed(let pages), .leaked(let pages, _): pages
            default: nil
            }
        }
        for event in system.events {
            checkEvent(event, system, step, releasedPages, &found)
            if confidential, freed == nil { freed = freedPageViolation(event, system, step) }
            if confidential, touched == nil { touched = privateBytesTouchedViolation(event, system, step) }
            if released == nil { released = releaseViolation(event, system, step) }
        }
        if let freed { found.append(freed) }
        if let touched { found.append(touched) }
        if let released { found.append(released) }
        return found
    }

    /// SAFE-LIFECYCLE over the whole system: every page and slot in use belongs to a live object,
    /// and every live mapping is one the driver holds. The per-step checks look only at what
    /// each step released; this is the full accounting, for the end of a run (after teardown).
    public func checkAccounting(_ system: System, step: Int) -> [Violation] {
        var found: [Violation] = []
        checkPrivateBytes(system, step, &found)
        checkLifecycle(system, step, &found)
        return found
    }

    // MARK: event checks

    mutating func checkEvent(_ event: Event, _ s: System, _ step: Int, _ releasedPages: [Range<Int>], _ found: inout [Violation]) {
        let confidential = s.platform.confidential
        switch event {
        case let .handedOut(device, dma, size, mapping, coherent):
            guard confidential else { return }
            let what = Handout(device: device, dma: dma, mapping: mapping, coherent: coherent)
            if s.devices[device].config.trusted {
                checkTrustedHandout(s, what, size: size, releasedPages, step, &found)
            } else {
                checkUntrustedHandout(s, what, size: size, releasedPages, step, &found)
            }
        case let .poolServed(pool, phys, size, wantShared):
            guard confidential else { return }
            forEachPage(phys, size) { page in
                let state = s.memory.states[page]
                if state != (wantShared ? .decrypted : .encrypted) {
                    found.append(Violation(
                        invariant: .confPool, site: .poolServed, step: step, location: "\(pool), page \(pageName(page))",
                        detail: "served a request for \(wantShared ? "shared" : "private") memory from a \(state) page"))
                    return false
                }
                return true
            }
        case let .bounced(mapping, toDevice, tlb, orig, size):
            let m = s.mappings[mapping]
            let origEnd = m.phys + UInt64(m.size)
            let tlbEnd = m.tlbAddress + UInt64(m.size)
            if orig < m.phys || orig &+ size > origEnd || orig &+ size < orig || tlb < m.tlbAddress || tlb &+ size > tlbEnd {
                found.append(Violation(
                    invariant: .safeHostInput, site: .bounceCopy, step: step, location: "mapping \(mapping), slot \(hex(tlb))",
                    detail: "swiotlb_bounce copied \(size) bytes \(toDevice ? "to" : "from") the slot at original \(hex(orig)), "
                        + "outside the mapping \(hex(m.phys))+\(m.size)"))
            }
        case let .mapped(mapping):
            let m = s.mappings[mapping]
            grow(to: mapping)
            watched[mapping].owner = allocation(containing: m.phys, s)
            // A mapping of no RAM (an MMIO resource) holds no bytes to expect or overlap.
            guard let lo = GuestMemory.byteIndex(ofPhys: m.phys) else { return }
            if m.direction.deviceWrites {
                watched[mapping].expected = s.memory.contents.extract(lo, lo + m.size)
                watched[mapping].own = watched[mapping].expected
            }
            unconstrainOverlaps(of: mapping, s)
        case let .hostWrote(lo, hi, tag):
            // The write lands in every live mapping whose DMA buffer (its slot when bounced, the
            // buffer itself when mapped directly) holds these bytes.
            // Mappings still expected (not unmapped earlier in this step or before).
            for extent in liveExtents where extent.deviceWrites {
                let x = extent.handle
                guard watched[x].expected != nil else { continue }
                let mx = s.mappings[x]
                guard let base = GuestMemory.byteIndex(ofPhys: mx.bouncePool != nil ? mx.tlbAddress : mx.phys) else { continue }
                let a = max(lo, base), b = min(hi, base + mx.size)
                if a < b { watched[x].expected!.fill(a - base, b - base, tag) }
            }
        case let .cpuWrote(lo, hi):
            for extent in liveExtents where extent.deviceWrites {
                let x = extent.handle
                guard watched[x].expected != nil, let base = GuestMemory.byteIndex(ofPhys: s.mappings[x].phys) else { continue }
                let a = max(lo, base), b = min(hi, base + s.mappings[x].size)
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
                    watched[mapping].own?.fill(a - base, b - base, tag)
                    return true
                }
            }
        case let .syncedForCpu(mapping, offset, size, readBack):
            if let readBack {
                compareReadBack(s, s.readBacks[readBack], mapping: mapping, offset: offset, size: size, step, &found)
            }
        case let .unmapped(mapping, readBack):
            if let readBack {
                compareReadBack(s, s.readBacks[readBack], mapping: mapping, offset: 0, size: s.mappings[mapping].size, step, &found)
            }
            if mapping < watched.count {
                watched[mapping].expected = nil
                watched[mapping].own = nil
            }
            if let i = liveExtents.firstIndex(where: { $0.handle == mapping }) { liveExtents.remove(at: i) }
        case let .conversionExposed(byteIndex, tag):
            guard confidential else { return }
            found.append(Violation(
                invariant: .confPrivate, site: .conversionInPlace, step: step, location: "page \(pageName(Int(byteIndex >> 12)))",
                detail: "set_memory_decrypted shared the page in place while it held \(tag) at \(hex(GuestMemory.phys(ofByteIndex: byteIndex)))",
                page: Int(byteIndex >> 12)))
        case let .driverCopied(phys, size, objectPhys, objectSize, what):
            if phys < objectPhys || phys &+ size < phys || phys &+ size > objectPhys &+ objectSize {
                found.append(Violation(
                    invariant: .safeHostInput, site: .driverCopy, step: step, location: "\(what), object \(hex(objectPhys))+\(objectSize)",
                    detail: "the driver copied \(size) bytes at \(hex(phys)), outside its object, with a length or offset the host chose"))
            }
        case let .sharedFieldFetched(field, value, what):
            // The same host-writable field fetched twice in one step with two values: the guest
            // checked one and acted on the other.
            for earlier in s.events {
                guard case let .sharedFieldFetched(f, v, _) = earlier, f == field else { continue }
                if v != value {
                    found.append(Violation(
                        invariant: .safeHostInput, site: .doubleFetch, step: step, location: "\(what), field \(hex(UInt64(field)))",
                        detail: "read twice from host-visible memory: \(v) then \(value) (double fetch)"))
                }
                break
            }
        case .leaked, .freed, .bufferFreed, .coherentFreed, .scatterlistFailed, .converted:
            return
        }
    }

    /// A DMA address handed to a device; named in words only when something is wrong.
    struct Handout {
        var device: Int
        var dma: UInt64
        var mapping: Int?
        var coherent: Int?

        /// Which way the address reached the device: a mapping, a coherent allocation, or written
        /// by a transport outside the DMA API.
        var site: ViolationSite { mapping != nil ? .mappingHandout : coherent != nil ? .coherentHandout : .transportHandout }

        func location(_ s: System) -> String {
            let what = mapping.map { "mapping \($0)" } ?? coherent.map { "coherent \($0)" } ?? "address written by the transport"
            let trust = s.devices[device].config.trusted ? " (trusted)" : ""
            return "device \(device)\(trust), \(what), dma \(hex(dma))"
        }
    }

    func checkUntrustedHandout(
        _ s: System, _ h: Handout, size: UInt32, _ releasedPages: [Range<Int>], _ step: Int, _ found: inout [Violation]
    ) {
        let device = h.device, dma = h.dma
        if !s.dmaAddressIsUnencrypted(dma) {
            found.append(Violation(
                invariant: .confBounce, site: h.site, step: step, location: h.location(s),
                detail: "an untrusted device was given the encrypted (private) alias of guest memory"))
            return
        }
        forEachPage(s.dmaToPhys(device, dma), UInt64(size)) { page in
            if releasedThisStep(page, releasedPages) { return true }
            let state = s.memory.states[page]
            let owner = s.memory.owners[page]
            let onPurpose: Bool = switch owner {
            case .atomicPool, .swiotlbPool: true
            case .coherent(let c): s.coherent[c].shared
            case .block(let b): s.blocks[b].shared
            default: false
            }
            if state != .decrypted || !onPurpose {
                found.append(Violation(
                    invariant: .confBounce, site: h.site, step: step, location: h.location(s) + ", page \(pageName(page))",
                    detail: "resolves to a \(state) page held by \(owner), not memory shared on purpose"))
                return false
            }
            return true
        }
    }

    func checkTrustedHandout(
        _ s: System, _ h: Handout, size: UInt32, _ releasedPages: [Range<Int>], _ step: Int, _ found: inout [Violation]
    ) {
        forEachPage(s.dmaToPhys(h.device, h.dma), UInt64(size)) { page in
            if releasedThisStep(page, releasedPages) { return true }
            let state = s.memory.states[page]
            if state != .encrypted {
                found.append(Violation(
                    invariant: .confTrusted, site: h.site, step: step, location: h.location(s) + ", page \(pageName(page))",
                    detail: "a trusted device's DMA goes through a \(state) page held by \(s.memory.owners[page])"))
                return false
            }
            return true
        }
    }

    /// A page a transport handed out and released again within the same step (an open that
    /// failed halfway): the state after the step no longer says what the device was given, and
    /// the release itself is checked (CONF-FREELIST).
    func releasedThisStep(_ page: Int, _ releasedPages: [Range<Int>]) -> Bool {
        releasedPages.contains { $0.contains(page) }
    }

    /// DATA-INTEGRITY and CONF-STALE: what the CPU now reads back equals the device's writes and
    /// the buffer's own bytes. A wrong byte that came through a bounce slot and is neither the
    /// buffer's allocation's nor what the buffer held when the device got it is stale slot
    /// content (CONF-STALE); anything else is lost data (DATA-INTEGRITY).
    func compareReadBack(
        _ s: System, _ readBack: ProvenanceMap, mapping: Int, offset: UInt32, size: UInt32, _ step: Int,
        _ found: inout [Violation]
    ) {
        guard mapping < watched.count, let e = watched[mapping].expected else { return }
        let w = watched[mapping]
        let m = s.mappings[mapping]
        guard offset < m.size else { return }
        let end = UInt32(min(UInt64(offset) + UInt64(size), UInt64(m.size)))
        var violation: Violation?
        readBack.forEachRun(offset, end) { lo, hi, tag in
            e.forEachRun(lo, hi) { a, _, want in
                if want.isUnconstrained || want.origin == tag.origin { return true }
                if w.undefined.contains(where: { a >= $0.0 && a < $0.1 }) { return true }
                let buffersOwn = (tag.isGuest && tag.id == w.owner) || w.own?.tag(at: a).origin == tag.origin
                let stale = m.bouncePool != nil && !buffersOwn
                violation = Violation(
                    invariant: stale ? .confStale : .dataIntegrity, site: .readBack, step: step,
                    location: "mapping \(mapping) (\(m.direction)), byte \(a) of \(hex(m.phys))",
                    detail: "the CPU reads \(tag) where it should read \(want)")
                return false
            }
            return violation == nil
        }
        if let violation { found.append(violation) }
    }

    // MARK: state checks

    /// CONF-FREELIST: a page that goes back to the page allocator must be private.
    func freedPageViolation(_ event: Event, _ s: System, _ step: Int) -> Violation? {
        guard case let .freed(pages) = event else { return nil }
        for page in pages where s.memory.owners[page] == .free && s.memory.states[page] != .encrypted {
            return Violation(
                invariant: .confFreelist, site: .freedPage, step: step, location: "page \(pageName(page))",
                detail: "\(s.memory.states[page] == .unknown ? "an unknown" : "a shared") page was put back on the free list")
        }
        return nil
    }

    /// CONF-PRIVATE, step by step: an undisclosed guest byte can only reach a host-visible page
    /// when the CPU writes it there, a bounce copies it there, or the page itself is converted,
    /// so only those bytes are looked at.
    func privateBytesTouchedViolation(_ event: Event, _ s: System, _ step: Int) -> Violation? {
        let lo: UInt32, hi: UInt32
        switch event {
        case let .cpuWrote(a, b): (lo, hi) = (a, b)
        case let .converted(pages):
            // Where conversion shares in place, `conversionExposed` already reported the bytes.
            guard !s.platform.conversionKeepsContents else { return nil }
            (lo, hi) = GuestMemory.byteRange(ofPages: pages)
        case let .bounced(_, toDevice, tlb, orig, size):
            guard let start = GuestMemory.byteIndex(ofPhys: toDevice ? tlb : orig) else { return nil }
            (lo, hi) = (start, start &+ UInt32(truncatingIfNeeded: min(size, 1 << 30)))
        default: return nil
        }
        return undisclosedOnVisiblePage(s, lo, hi, step)
    }

    func undisclosedOnVisiblePage(_ s: System, _ lo: UInt32, _ hi: UInt32, _ step: Int) -> Violation? {
        var violation: Violation?
        s.memory.contents.forEachRun(lo, hi) { a, b, tag in
            guard tag.isUndisclosedGuest else { return true }
            var page = Int(a >> 12)
            while page <= Int((b - 1) >> 12) {
                if s.memory.hostVisible(page: page, confidential: true) {
                    let at = max(a, UInt32(page) << 12)
                    violation = Violation(
                        invariant: .confPrivate, site: .privateBytes, step: step,
                        location: "page \(pageName(page)) (\(s.memory.states[page]), \(s.memory.owners[page]))",
                        detail: "holds \(tag) at \(hex(GuestMemory.phys(ofByteIndex: at)))", page: page)
                    return false
                }
                page += 1
            }
            return true
        }
        return violation
    }

    /// CONF-PRIVATE over all of memory: no undisclosed guest byte on a page the host can see.
    func checkPrivateBytes(_ s: System, _ step: Int, _ found: inout [Violation]) {
        guard s.platform.confidential else { return }
        if let v = undisclosedOnVisiblePage(s, 0, s.memory.contents.size, step) { found.append(v) }
    }

    /// SAFE-LIFECYCLE, step by step: when a mapping, buffer, coherent allocation or scatterlist
    /// goes away, whatever it held (slots, pages, entries) must have gone with it.
    func releaseViolation(_ event: Event, _ s: System, _ step: Int) -> Violation? {
        switch event {
        case let .unmapped(mapping, _):
            guard let p = s.mappings[mapping].bouncePool, s.swiotlbPools[p].live else { return nil }
            if let slot = s.swiotlbPools[p].slots.firstIndex(where: { $0.mapping == Int32(mapping) }) {
                return lostSlot(p, slot, s, step)
            }
        case .coherentFreed(let c):
            let first = GuestMemory.page(ofPhys: s.coherent[c].phys)!
            if let page = (first ..< first + s.coherent[c].pages).first(where: { s.memory.owners[$0] == .coherent(c) }) {
                return lostPage(page, s, step)
            }
            if case .restrictedPool(let p) = s.coherent[c].source,
                let slot = s.swiotlbPools[p].slots.firstIndex(where: { $0.coherent == Int32(c) })
            {
                return lostSlot(p, slot, s, step)
            }
        case .bufferFreed(let b):
            let first = GuestMemory.page(ofPhys: s.buffers[b].phys)!
            let count = Int((UInt64(s.buffers[b].size) + 4095) >> 12)
            if let page = (first ..< first + count).first(where: { s.memory.owners[$0] == .buffer(b) }) {
                return lostPage(page, s, step)
            }
        case .scatterlistFailed(let sg):
            if let m = s.mappings.indices.first(where: { s.mappings[$0].live && s.mappings[$0].scatterlist == sg }) {
                return abandonedEntry(m, sg, step)
            }
        default:
            break
        }
        return nil
    }

    func lostPage(_ page: Int, _ s: System, _ step: Int) -> Violation {
        Violation(
            invariant: .safeLifecycle, site: .release, step: step, location: "page \(pageName(page))",
            detail: "held by \(s.memory.owners[page]), which is gone: the page is lost, not freed or leaked on purpose")
    }

    func lostSlot(_ pool: Int, _ slot: Int, _ s: System, _ step: Int) -> Violation {
        Violation(
            invariant: .safeLifecycle, site: .release, step: step, location: "swiotlb pool \(pool) (\(s.swiotlbPools[pool].kind)), slot \(slot)",
            detail: "still allocated to a mapping or buffer that is gone")
    }

    func abandonedEntry(_ mapping: Int, _ sg: Int, _ step: Int) -> Violation {
        Violation(
            invariant: .safeLifecycle, site: .release, step: step, location: "mapping \(mapping) of scatterlist \(sg)",
            detail: "dma_map_sg failed but left this entry mapped; no driver can unmap it")
    }

    /// The full SAFE-LIFECYCLE scan behind `checkAccounting`.
    func checkLifecycle(_ s: System, _ step: Int, _ found: inout [Violation]) {
        // Pages still held by an object that is gone: look from the dead objects, whose pages
        // are few, rather than over every page.
        var held: [(Range<Int>, PageOwner)] = []
        for (b, buffer) in s.buffers.enumerated() where !buffer.live && buffer.slabClass == nil {
            let first = GuestMemory.page(ofPhys: buffer.phys)!
            held.append((first ..< first + Int((UInt64(buffer.size) + 4095) >> 12), .buffer(b)))
        }
        for (c, allocation) in s.coherent.enumerated() where !allocation.live {
            let first = GuestMemory.page(ofPhys: allocation.phys)!
            held.append((first ..< first + allocation.pages, .coherent(c)))
        }
        for (b, block) in s.blocks.enumerated() where !block.live { held.append((block.pageRange, .block(b))) }
        for (pages, owner) in held {
            if let page = pages.first(where: { s.memory.owners[$0] == owner }) {
                found.append(lostPage(page, s, step))
                return
            }
        }
        for (p, pool) in s.swiotlbPools.enumerated() where pool.live && pool.used > 0 {
            for (i, slot) in pool.slots.enumerated() {
                if slot.mapping >= 0 && !s.mappings[Int(slot.mapping)].live
                    || slot.coherent >= 0 && !s.coherent[Int(slot.coherent)].live
                {
                    found.append(lostSlot(p, i, s, step))
                    return
                }
            }
        }
        for (i, m) in s.mappings.enumerated() where m.live {
            if let sg = m.scatterlist, !s.scatterlists[sg].live {
                found.append(abandonedEntry(i, sg, step))
                return
            }
        }
    }

    // MARK: helpers

    /// Two live mappings of the same bytes, one of them device-writable, leave those bytes
    /// undefined under the DMA API (dma-debug warns of such overlaps): expect nothing of them.
    mutating func unconstrainOverlaps(of mapping: Int, _ s: System) {
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

    func allocation(containing phys: UInt64, _ s: System) -> UInt32 {
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

    func forEachPage(_ phys: UInt64, _ size: UInt64, _ body: (Int) -> Bool) {
        guard size > 0 else { return }
        var at = phys & ~(GuestMemory.pageSize - 1)
        let end = phys &+ size
        while at < end {
            if let page = GuestMemory.page(ofPhys: at), !body(page) { return }
            at += GuestMemory.pageSize
        }
    }
}


func pageName(_ page: Int) -> String { "\(page) (\(hex(GuestMemory.phys(ofPage: page))))" }
