import BouncerModel
import BouncerPolicy

/// DATA-INTEGRITY and CONF-STALE: what the CPU reads back after a sync or unmap, against what the
/// ownership shadow says the owner may expect; and whether the page a `dma_alloc_pages()` caller
/// holds is the one its device was given.
enum IntegrityChecks {
    static func check(_ event: Event, _ shadow: OwnershipShadow, _ s: DmaLayer, _ step: Int) -> Violation? {
        switch event {
        case let .syncedForCpu(mapping, offset, size, readBack?):
            return compareReadBack(s, shadow, s.readBacks[readBack], mapping: mapping, offset: offset, size: size, step)
        case let .unmapped(mapping, readBack?):
            return compareReadBack(s, shadow, s.readBacks[readBack], mapping: mapping, offset: 0, size: s.mappings[mapping].size, step)
        case let .handedOut(device, dma, _, _, coherent?):
            return callerPage(s, device: device, dma: dma, coherent: coherent, step)
        default:
            return nil
        }
    }

    /// A `dma_alloc_pages()` hand-out: the page the caller holds is the page the device was given,
    /// by the oracle's own reading of the DMA address (`AddressEncoding`). A caller holding
    /// anything else reads and writes memory the device never sees (for 5b138c534fda's pool CPU
    /// address as a page, no memory at all): nothing is exposed, the I/O is lost. An address
    /// outside the device's window is CONF-BOUNCE's or CONF-TRUSTED's to report.
    static func callerPage(_ s: DmaLayer, device: Int, dma: DmaAddr, coherent: Int, _ step: Int) -> Violation? {
        let c = s.coherent[coherent]
        guard c.pagesApi else { return nil }
        let config = s.devices[device].config
        guard let given = AddressEncoding(s.platform.kind).phys(dma, rangeOffset: config.dmaRangeOffset, busLimit: config.busDmaLimit),
            c.callerPhys != given.raw
        else { return nil }
        return callerPageViolation(device: device, dma: dma, coherent: coherent, given: given, held: c.callerPhys, step)
    }

    /// The violation `callerPage` found, in words. Out of line: inlined into `Oracle.check`, its
    /// strings were set up on every call.
    @inline(never) static func callerPageViolation(
        device: Int, dma: DmaAddr, coherent: Int, given: PhysAddr, held callerPhys: UInt64?, _ step: Int
    ) -> Violation {
        let held = callerPhys.map { "the page at \(hex($0))" } ?? "no page of guest memory"
        return Violation(
            invariant: .dataIntegrity, site: .coherentHandout, step: step,
            location: "device \(device), coherent \(coherent) (dma_alloc_pages), dma \(dma)",
            detail: "the device was given \(given), the caller holds \(held)", findingClass: .contractBreak)
    }

    /// What the CPU now reads back equals the device's writes and the buffer's own bytes. A wrong
    /// byte that came through a bounce slot and is neither the buffer's allocation's nor what the
    /// buffer held when the device got it is stale slot content (CONF-STALE); anything else is
    /// lost data (DATA-INTEGRITY).
    static func compareReadBack(
        _ s: DmaLayer, _ shadow: OwnershipShadow, _ readBack: ProvenanceMap, mapping: Int, offset: UInt32, size: UInt32, _ step: Int
    ) -> Violation? {
        guard let w = shadow.watch(mapping), let e = w.expected else { return nil }
        let m = s.mappings[mapping]
        guard offset < m.size else { return nil }
        let end = UInt32(min(UInt64(offset) + UInt64(size), UInt64(m.size)))
        var violation: Violation?
        readBack.forEachRun(offset, end) { lo, hi, tag in
            e.forEachRun(lo, hi) { a, _, want in
                if want.isUnconstrained || want.origin == tag.origin { return true }
                if w.undefined.contains(where: { a >= $0.0 && a < $0.1 }) { return true }
                let buffersOwn = (tag.isGuest && tag.id == w.owner) || w.ownBytesAtHandover?.tag(at: a).origin == tag.origin
                let stale = m.bouncePool != nil && !buffersOwn
                violation = Violation(
                    invariant: stale ? .confStale : .dataIntegrity, site: .readBack, step: step,
                    location: "mapping \(mapping) (\(m.direction)), byte \(a) of \(hex(m.phys))",
                    detail: "the CPU reads \(tag) where it should read \(want)")
                return false
            }
            return violation == nil
        }
        return violation
    }
}
