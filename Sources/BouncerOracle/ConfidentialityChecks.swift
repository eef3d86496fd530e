import BouncerModel
import BouncerPolicy

/// CONF-BOUNCE, CONF-TRUSTED, CONF-POOL, CONF-PRIVATE and CONF-FREELIST: what a device is handed,
/// what a pool serves, and where undisclosed guest bytes may sit.
enum ConfidentialityChecks {
    /// The event checks of the family; `stepEvents` are the step's events, looked through for a
    /// release of a handed-out page only where that page would otherwise be reported (most steps
    /// release nothing, and gathering the releases up front cost a pass and an array a hand-out).
    static func check(_ event: Event, _ s: DmaLayer, _ step: Int, _ stepEvents: [Event]) -> Violation? {
        guard s.platform.confidential else { return nil }
        switch event {
        case let .handedOut(device, dma, size, mapping, coherent):
            let what = Handout(device: device, dma: dma, mapping: mapping, coherent: coherent)
            return s.devices[device].config.trusted
                ? trustedHandout(s, what, size: size, stepEvents, step) : untrustedHandout(s, what, size: size, stepEvents, step)
        case let .poolServed(pool, phys, size, wantShared):
            var violation: Violation?
            forEachPage(phys, size) { page in
                let state = s.memory.state(page)
                guard state != (wantShared ? .decrypted : .encrypted) else { return true }
                // Private memory served as shared holds only what the guest discloses, and the
                // device cannot reach it; shared (or unknown) memory served as private exposes
                // what the guest writes there.
                violation = Violation(
                    invariant: .confPool, site: .poolServed, step: step, location: "\(pool), page \(pageName(page))",
                    detail: "served a request for \(wantShared ? "shared" : "private") memory from a \(state) page",
                    findingClass: wantShared ? .contractBreak : .confidentialityBreach)
                return false
            }
            return violation
        case let .conversionExposed(byteIndex, tag):
            // Deferred words: s390 PV's share-in-place-stale-page is a known finding runs meet often.
            return Violation(invariant: .confPrivate, site: .conversionInPlace, step: step, page: byteIndex.page.raw) {
                ("page \(pageName(byteIndex.page))",
                 "set_memory_decrypted shared the page in place while it held \(tag) at \(GuestMemory.phys(of: byteIndex))")
            }
        default:
            return nil
        }
    }

    /// A DMA address handed to a device; named in words only when something is wrong.
    struct Handout {
        var device: Int
        var dma: DmaAddr
        var mapping: Int?
        var coherent: Int?

        /// Which way the address reached the device: a mapping, a coherent allocation, or written
        /// by a transport outside the DMA API.
        var site: ViolationSite { mapping != nil ? .mappingHandout : coherent != nil ? .coherentHandout : .transportHandout }

        func location(_ s: DmaLayer) -> String {
            let what = mapping.map { "mapping \($0)" } ?? coherent.map { "coherent \($0)" } ?? "address written by the transport"
            let trust = s.devices[device].config.trusted ? " (trusted)" : ""
            return "device \(device)\(trust), \(what), dma \(dma)"
        }
    }

    /// Where the handed-out address leads, by the oracle's own `AddressEncoding`.
    /// `phys` is nil when the address lies outside the device's dma-ranges window.
    /// Inlined: out of line, the call cost more than the translation.
    @inline(__always) static func resolve(_ s: DmaLayer, _ h: Handout) -> (shared: Bool, phys: PhysAddr?) {
        let encoding = AddressEncoding(s.platform.kind)
        let config = s.devices[h.device].config
        return (
            encoding.namesSharedAlias(h.dma),
            encoding.phys(h.dma, rangeOffset: config.dmaRangeOffset, busLimit: config.busDmaLimit)
        )
    }

    /// A handed-out address outside the device's dma-ranges window reaches no guest memory: the
    /// kernel's `dma_capable()` refuses `translate_phys_to_dma()`'s `DMA_MAPPING_ERROR`, so such
    /// an address is never a mapping's (an integrity breach, like an address outside memory).
    static func outsideRange(_ s: DmaLayer, _ h: Handout, _ invariant: InvariantID, _ step: Int) -> Violation {
        Violation(
            invariant: invariant, site: h.site, step: step, location: h.location(s),
            detail: "lies outside the device's dma-ranges region", findingClass: .integrityBreach)
    }

    /// A handed-out address must lead into guest memory: outside it the device reaches whatever
    /// the host put there, and the driver's buffer is not what it gets (an integrity breach: the
    /// guest's bytes stay where they are).
    static func outsideMemory(_ s: DmaLayer, _ h: Handout, phys: PhysAddr, size: UInt32, _ invariant: InvariantID, _ step: Int) -> Violation? {
        var at = phys.pageAlignedDown
        let end = phys + UInt64(size)
        while at < end {
            if GuestMemory.pfnDown(at) == nil {
                return Violation(
                    invariant: invariant, site: h.site, step: step, location: h.location(s),
                    detail: "resolves to \(max(at, phys)), outside guest memory", findingClass: .integrityBreach)
            }
            at = at + GuestMemory.pageSize
        }
        return nil
    }

    /// Inlined into `check`: out of line, each hand-out's answer went through two optional violations.
    @inline(__always) static func untrustedHandout(_ s: DmaLayer, _ h: Handout, size: UInt32, _ stepEvents: [Event], _ step: Int) -> Violation? {
        let target = resolve(s, h)
        // The private alias: the hardware keeps the host's device out, so nothing is exposed and
        // the I/O fails.
        if !target.shared {
            return Violation(invariant: .confBounce, site: h.site, step: step, findingClass: .contractBreak) {
                (h.location(s), "an untrusted device was given the encrypted (private) alias of guest memory")
            }
        }
        guard let phys = target.phys else { return outsideRange(s, h, .confBounce, step) }
        if let v = outsideMemory(s, h, phys: phys, size: size, .confBounce, step) { return v }
        var violation: Violation?
        forEachPage(phys, UInt64(size)) { page in
            let state = s.memory.state(page)
            let owner = s.memory.owner(page)
            let onPurpose: Bool = switch owner {
            case .atomicPool, .swiotlbPool: true
            case .coherent(let c): s.coherent[c].shared
            case .block(let b): s.blocks[b].shared
            default: false
            }
            guard state != .decrypted || !onPurpose, !releasedThisStep(page, stepEvents) else { return true }
            // A private page is kept from the host by the hardware (a contract break, the I/O
            // fails); a shared or unknown one the guest does not treat as shared exposes what it
            // writes there.
            violation = Violation(
                invariant: .confBounce, site: h.site, step: step, findingClass: state == .encrypted ? .contractBreak : .confidentialityBreach
            ) {
                (h.location(s) + ", page \(pageName(page))", "resolves to a \(state) page held by \(owner), not memory shared on purpose")
            }
            return false
        }
        return violation
    }

    /// Inlined into `check`: out of line, each hand-out's answer went through two optional violations.
    @inline(__always) static func trustedHandout(_ s: DmaLayer, _ h: Handout, size: UInt32, _ stepEvents: [Event], _ step: Int) -> Violation? {
        guard let phys = resolve(s, h).phys else { return outsideRange(s, h, .confTrusted, step) }
        if let v = outsideMemory(s, h, phys: phys, size: size, .confTrusted, step) { return v }
        var violation: Violation?
        forEachPage(phys, UInt64(size)) { page in
            let state = s.memory.state(page)
            guard state != .encrypted, !releasedThisStep(page, stepEvents) else { return true }
            violation = Violation(
                invariant: .confTrusted, site: h.site, step: step, location: h.location(s) + ", page \(pageName(page))",
                detail: "a trusted device's DMA goes through a \(state) page held by \(s.memory.owner(page))")
            return false
        }
        return violation
    }

    /// A page a transport handed out and released again within the same step (an open that
    /// failed halfway): the state after the step no longer says what the device was given, and
    /// the release itself is checked (CONF-FREELIST). Out of line: it is asked only of a page that
    /// would otherwise be reported.
    @inline(never) static func releasedThisStep(_ page: PageNumber, _ stepEvents: [Event]) -> Bool {
        stepEvents.contains { event in
            switch event {
            case .freed(let pages), .leaked(let pages, _): pages.contains(page)
            default: false
            }
        }
    }

    /// CONF-FREELIST: a page that goes back to the page allocator must be private.
    static func freedPage(_ event: Event, _ s: DmaLayer, _ step: Int) -> Violation? {
        guard case let .freed(pages) = event else { return nil }
        // A plain loop, the state (a byte) asked before the holder: most freed pages are private.
        var page = pages.lowerBound.raw
        while page < pages.upperBound.raw {
            if s.memory.states[page] != .encrypted, case .free = s.memory.owners[page] { return freedPageViolation(PageNumber(page), s, step) }
            page += 1
        }
        return nil
    }

    @inline(never) static func freedPageViolation(_ page: PageNumber, _ s: DmaLayer, _ step: Int) -> Violation {
        Violation(
            invariant: .confFreelist, site: .freedPage, step: step, location: "page \(pageName(page))",
            detail: "\(s.memory.state(page) == .unknown ? "an unknown" : "a shared") page was put back on the free list")
    }

    /// CONF-PRIVATE, step by step: an undisclosed guest byte can only reach a host-visible page
    /// when the CPU writes it there, a bounce copies it there, or the page itself is converted,
    /// so only those bytes are looked at.
    static func privateBytesTouched(_ event: Event, _ s: DmaLayer, _ step: Int) -> Violation? {
        let lo: ByteIndex, hi: ByteIndex
        switch event {
        case let .cpuWrote(a, b): (lo, hi) = (a, b)
        case let .converted(pages, _, _):
            // Where conversion shares in place, `conversionExposed` already reported the bytes.
            guard !s.platform.conversionKeepsContents else { return nil }
            (lo, hi) = GuestMemory.byteRange(of: pages)
        case let .bounced(_, toDevice, tlb, orig, size):
            guard let start = GuestMemory.byteIndex(of: toDevice ? tlb : orig) else { return nil }
            (lo, hi) = (start, start + UInt32(truncatingIfNeeded: min(size, 1 << 30)))
        default: return nil
        }
        return undisclosedOnVisiblePage(s, lo, hi, step)
    }

    static func undisclosedOnVisiblePage(_ s: DmaLayer, _ lo: ByteIndex, _ hi: ByteIndex, _ step: Int) -> Violation? {
        // Only a page the host can see exposes a byte, and most writes and bounces land on
        // private pages: their states answer before the contents are walked.
        let end = min(hi.raw, s.memory.contents.size)
        guard lo.raw < end else { return nil }
        var page = lo.page.raw
        let last = ByteIndex(end - 1).page.raw
        while page <= last && !s.memory.hostVisible(page: page, confidential: true) { page += 1 }
        guard page <= last else { return nil }
        var violation: Violation?
        s.memory.contents.forEachRun(lo.raw, hi.raw) { a, b, tag in
            guard tag.isUndisclosedGuest else { return true }
            for page in ByteIndex(a).page ... ByteIndex(b - 1).page where s.memory.hostVisible(page, confidential: true) {
                let at = max(ByteIndex(a), page.firstByte)
                violation = Violation(
                    invariant: .confPrivate, site: .privateBytes, step: step,
                    location: "page \(pageName(page)) (\(s.memory.state(page)), \(s.memory.owner(page)))",
                    detail: "holds \(tag) at \(GuestMemory.phys(of: at))", page: page.raw)
                return false
            }
            return true
        }
        return violation
    }

    /// CONF-PRIVATE over all of memory: no undisclosed guest byte on a page the host can see.
    static func privateBytes(_ s: DmaLayer, _ step: Int) -> Violation? {
        guard s.platform.confidential else { return nil }
        return undisclosedOnVisiblePage(s, ByteIndex(0), ByteIndex(s.memory.contents.size), step)
    }
}
