import BouncerModel

/// SAFE-LIFECYCLE, page conservation: every page of guest memory is free, held by a live object
/// the oracle can name and that holds it (a `kmalloc_large` buffer, a coherent allocation's
/// `get_order()` block, an atomic pool's chunk, a live swiotlb pool, a transport's block, the slab),
/// or leaked on purpose with a reason. Today's kernels lose no page; a model (or a re-inserted
/// bug) that drops one from its pool without freeing or leaking it is what this catches.
enum PageConservation {
    /// A page move, judged against the holder the ledger had before it: a page is taken only from
    /// the page allocator (or lent between an atomic pool and the transient swiotlb pool it backs,
    /// `swiotlb_alloc_tlb()` → `dma_alloc_from_pool()`), and freed or leaked only while held.
    /// `PageLedger.move` finds the page; this says what is wrong with it. Out of line: inlined
    /// into `Oracle.check`, its strings were set up on every call.
    @inline(never) static func move(_ event: Event, _ page: Int, before: UInt32, _ step: Int) -> Violation {
        if case let .pagesTaken(_, owner) = event {
            return violation(page, step, "taken by \(owner) while \(PageLedger.owner(before)) still holds it: two holders of one page")
        }
        if before == PageLedger.free { return violation(page, step, "released while the page allocator already had it (a double free)") }
        return violation(page, step, "released after it was leaked on purpose (\(PageLedger.owner(before)))")
    }

    /// Whether moving a page from the holder `before` to the holder `code` is wrong: taken
    /// (`pagesTaken`) from anything but the page allocator or a lending pool, or released (freed
    /// or leaked) while free or leaked.
    @inline(__always) static func isBadMove(before: UInt32, taken: Bool, to code: UInt32) -> Bool {
        taken
            ? before != PageLedger.free && !lent(from: before >> PageLedger.kindShift, to: code >> PageLedger.kindShift)
            : before == PageLedger.free || before >> PageLedger.kindShift == PageLedger.leaked
    }

    /// At the end of a run: every page of guest memory is where the model has it, and named.
    static func accounting(_ ledger: PageLedger, _ s: DmaLayer, _ step: Int) -> Violation? {
        guard ledger.seeded else { return nil }
        // Every page, once per run: at once when the arrays are equal byte for byte, else a plain
        // loop over both, the holder's code computed in place.
        let silent: Int? = ledger.sameAsModel(s.memory.owners) ? nil : s.memory.owners.withUnsafeBufferPointer { owners in
            ledger.holders.withUnsafeBufferPointer { holders in
                var page = 0
                while page < GuestMemory.pageCount {
                    if PageLedger.code(owners[page]) != holders[page] { return page }
                    page += 1
                }
                return nil
            }
        }
        if let page = silent {
            let was = PageLedger.owner(ledger.holders[page])
            return violation(page, step, "the model has it held by \(s.memory.owners[page]) but no event moved it there from \(was)")
        }
        return firstUnnamed(0 ..< GuestMemory.pageCount, ledger, s).map { unnamedViolation($0, ledger, s, step) }
    }

    /// After a step that moved pages, for the pages each of its events moved (and at the end of a
    /// run, for all): the first page whose holder by the ledger is not a live object that holds
    /// it, looked at a run of one holder at a time. `unnamedViolation` says why.
    static func firstUnnamed(_ pages: Range<Int>, _ ledger: PageLedger, _ s: DmaLayer) -> Int? {
        ledger.holders.withUnsafeBufferPointer { holders in
            var start = pages.lowerBound
            while start < pages.upperBound {
                let code = holders[start]
                var end = start + 1
                while end < pages.upperBound && holders[end] == code { end += 1 }
                if holdsOnlyWhileLive(code), let page = unnamed(start ..< end, code, s) { return page }
                start = end
            }
            return nil
        }
    }

    /// Whether a holder accounts for its pages only while it is a live object that holds them:
    /// not the page allocator, a leak, or the slab (`unnamed` answers nil for those). Inlined,
    /// the test spares most runs of pages a call.
    @inline(__always) static func holdsOnlyWhileLive(_ code: UInt32) -> Bool {
        switch code >> PageLedger.kindShift {
        case PageLedger.buffer, PageLedger.coherent, PageLedger.atomicPool, PageLedger.swiotlbPool, PageLedger.block: true
        default: false
        }
    }

    /// The first page of a run its holder cannot account for; nil when it can. Inlined: the
    /// end-of-run accounting asks it of every run of holders, and the call cost more than the answer.
    @inline(__always) static func unnamed(_ run: Range<Int>, _ code: UInt32, _ s: DmaLayer) -> Int? {
        let h = Int(code & (1 << PageLedger.kindShift - 1))
        switch code >> PageLedger.kindShift {
        case PageLedger.buffer:
            guard h < s.buffers.count, s.buffers[h].live else { return run.lowerBound }
            return outside(run, GuestMemory.page(ofPhys: s.buffers[h].phys), pages: Int((UInt64(s.buffers[h].size) + 4095) >> 12))
        case PageLedger.coherent:
            guard h < s.coherent.count, s.coherent[h].live, case .pages = s.coherent[h].source else { return run.lowerBound }
            // dma_direct_alloc() takes a get_order() block and hands out its first pages.
            return outside(run, GuestMemory.page(ofPhys: s.coherent[h].phys), pages: roundUpToPowerOfTwo(s.coherent[h].pages))
        case PageLedger.atomicPool:
            guard h < s.atomicPools.count else { return run.lowerBound }
            var covered = 0
            for chunk in s.atomicPools[h].chunks {
                covered += max(0, min(run.upperBound, chunk.first + chunk.count) - max(run.lowerBound, chunk.first))
            }
            return covered == run.count ? nil : run.first { !s.atomicPools[h].contains($0) }
        case PageLedger.swiotlbPool:
            // A restricted-dma-pool is reserved memory (`rmem_swiotlb_device_init()`): the
            // reservation holds it for the whole boot, whether or not a device could attach.
            guard h < s.swiotlbPools.count, s.swiotlbPools[h].live || s.swiotlbPools[h].kind == .restricted
            else { return run.lowerBound }
            return outside(run, s.swiotlbPools[h].firstPage, pages: s.swiotlbPools[h].pageCount)
        case PageLedger.block:
            guard h < s.blocks.count, s.blocks[h].live else { return run.lowerBound }
            return outside(run, s.blocks[h].firstPage, pages: s.blocks[h].pages)
        default:
            // Free, leaked with a reason, or the slab, which keeps its pages once created (`Slab`).
            return nil
        }
    }

    /// Why the holder of `page` cannot account for it, in words.
    static func unnamedViolation(_ page: Int, _ ledger: PageLedger, _ s: DmaLayer, _ step: Int) -> Violation {
        let code = ledger.holders[page]
        let h = Int(code & (1 << PageLedger.kindShift - 1))
        let why: String = switch code >> PageLedger.kindShift {
        case PageLedger.buffer: h < s.buffers.count && s.buffers[h].live ? "outside the buffer" : "a buffer that is gone"
        case PageLedger.coherent:
            h >= s.coherent.count || !s.coherent[h].live ? "a coherent allocation that is gone"
                : s.coherent[h].source != .pages ? "a coherent allocation served from a pool" : "outside its get_order() block"
        case PageLedger.atomicPool: h < s.atomicPools.count ? "in none of the pool's chunks" : "an atomic pool that does not exist"
        case PageLedger.swiotlbPool:
            h < s.swiotlbPools.count && (s.swiotlbPools[h].live || s.swiotlbPools[h].kind == .restricted)
                ? "outside the pool" : "a swiotlb pool that is gone"
        default: h < s.blocks.count && s.blocks[h].live ? "outside the block" : "a transport's block that is gone"
        }
        return violation(page, step, "held by \(PageLedger.owner(code)), \(why): neither freed nor leaked")
    }

    /// The first page of `run` outside the `pages` pages from page `first`.
    static func outside(_ run: Range<Int>, _ first: Int?, pages: Int) -> Int? {
        guard let first else { return run.lowerBound }
        if run.lowerBound < first { return run.lowerBound }
        if run.upperBound > first + pages { return max(run.lowerBound, first + pages) }
        return nil
    }

    /// A transient swiotlb pool borrowing an atomic pool's pages, or giving them back.
    static func lent(from before: UInt32, to after: UInt32) -> Bool {
        before == PageLedger.atomicPool && after == PageLedger.swiotlbPool || before == PageLedger.swiotlbPool && after == PageLedger.atomicPool
    }

    static func roundUpToPowerOfTwo(_ n: Int) -> Int { n <= 1 ? 1 : 1 << (Int.bitWidth - (n - 1).leadingZeroBitCount) }

    static func violation(_ page: Int, _ step: Int, _ detail: String) -> Violation {
        Violation(invariant: .safeLifecycle, site: .pageConservation, step: step, location: "page \(pageName(PageNumber(page)))", detail: detail)
    }
}

extension Event {
    /// The pages the event moves between holders, if it moves any.
    var movedPages: Range<Int>? {
        switch self {
        case let .pagesTaken(pages, _), let .freed(pages), let .leaked(pages, _): pages.rawRange
        default: nil
        }
    }
}
