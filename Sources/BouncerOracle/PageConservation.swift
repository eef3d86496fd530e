import BouncerModel

/// The oracle's own record of who holds each page of guest memory, kept from the events that move
/// pages (`pagesTaken`, `freed`, `leaked`) rather than read from the model after the fact. It
/// starts from the booted guest; `Oracle()` without a boot has no ledger and skips conservation.
struct PageLedger: Sendable {
    /// Per page, its holder as the events told it; empty when not seeded.
    var holders: [PageOwner] = []

    var seeded: Bool { !holders.isEmpty }

    /// Learns one page move, after the checks have judged it.
    mutating func observe(_ event: Event) {
        guard seeded else { return }
        switch event {
        case let .pagesTaken(pages, owner): for page in pages { holders[page] = owner }
        case let .freed(pages): for page in pages { holders[page] = .free }
        case let .leaked(pages, reason): for page in pages { holders[page] = .leaked(reason) }
        default: return
        }
    }
}

/// SAFE-LIFECYCLE, page conservation: every page of guest memory is free, held by a live object
/// the oracle can name and that holds it (a `kmalloc_large` buffer, a coherent allocation's
/// `get_order()` block, an atomic pool's chunk, a live swiotlb pool, a transport's block, the slab),
/// or leaked on purpose with a reason. Today's kernels lose no page; a model (or a re-inserted
/// bug) that drops one from its pool without freeing or leaking it is what this catches.
enum PageConservation {
    /// A page move, judged against the ledger before it learns it: a page is taken only from the
    /// page allocator (or lent between an atomic pool and the transient swiotlb pool it backs,
    /// `swiotlb_alloc_tlb()` → `dma_alloc_from_pool()`), and freed or leaked only while held.
    static func move(_ event: Event, _ ledger: PageLedger, _ s: System, _ step: Int) -> Violation? {
        guard ledger.seeded else { return nil }
        switch event {
        case let .pagesTaken(pages, owner):
            for page in pages {
                let before = ledger.holders[page]
                if before == .free || lent(from: before, to: owner) { continue }
                return violation(page, step, "taken by \(owner) while \(before) still holds it: two holders of one page")
            }
        case let .freed(pages), let .leaked(pages, _):
            for page in pages {
                switch ledger.holders[page] {
                case .free: return violation(page, step, "released while the page allocator already had it (a double free)")
                case .leaked(let r): return violation(page, step, "released after it was leaked on purpose (\(r))")
                default: continue
                }
            }
        default: break
        }
        return nil
    }

    /// After a step that moved pages: each page it moved is where the ledger says, and its holder
    /// is alive and holds it. Looks only at the pages this step's events name.
    static func settled(_ event: Event, _ ledger: PageLedger, _ s: System, _ step: Int) -> Violation? {
        guard ledger.seeded else { return nil }
        switch event {
        case let .pagesTaken(pages, _), let .freed(pages), let .leaked(pages, _):
            for page in pages { if let v = accountFor(page, ledger, s, step) { return v } }
        default: break
        }
        return nil
    }

    /// At the end of a run: every page of guest memory.
    static func accounting(_ ledger: PageLedger, _ s: System, _ step: Int) -> Violation? {
        guard ledger.seeded else { return nil }
        for page in 0 ..< GuestMemory.pageCount {
            if let v = accountFor(page, ledger, s, step) { return v }
        }
        return nil
    }

    /// One page: the ledger and the model agree on its holder, and the holder can be named.
    static func accountFor(_ page: Int, _ ledger: PageLedger, _ s: System, _ step: Int) -> Violation? {
        let holder = ledger.holders[page]
        if s.memory.owners[page] != holder {
            return violation(page, step, "the model has it held by \(s.memory.owners[page]) but no event moved it there from \(holder)")
        }
        if let why = unnamed(page, holder, s) { return violation(page, step, "held by \(holder), \(why): neither freed nor leaked") }
        return nil
    }

    /// Why the holder cannot account for the page, or nil when it can.
    static func unnamed(_ page: Int, _ holder: PageOwner, _ s: System) -> String? {
        switch holder {
        case .free, .leaked, .slab:
            // The slab keeps its pages once created (`Slab`): held by the allocator itself.
            return nil
        case .buffer(let b):
            guard b < s.buffers.count else { return "a buffer that was never made" }
            let buffer = s.buffers[b]
            guard buffer.live else { return "a buffer that was freed" }
            return within(page, buffer.phys, pages: Int((UInt64(buffer.size) + 4095) >> 12)) ? nil : "outside the buffer"
        case .coherent(let c):
            guard c < s.coherent.count else { return "a coherent allocation that was never made" }
            let allocation = s.coherent[c]
            guard allocation.live else { return "a coherent allocation that was freed" }
            guard case .pages = allocation.source else { return "a coherent allocation served from a pool, which holds no pages" }
            // dma_direct_alloc() takes a get_order() block and hands out its first pages.
            return within(page, allocation.phys, pages: roundUpToPowerOfTwo(allocation.pages)) ? nil : "outside its get_order() block"
        case .atomicPool(let p):
            guard p < s.atomicPools.count else { return "an atomic pool that does not exist" }
            return s.atomicPools[p].contains(page) ? nil : "in none of the pool's chunks"
        case .swiotlbPool(let p):
            guard p < s.swiotlbPools.count else { return "a swiotlb pool that was never made" }
            let pool = s.swiotlbPools[p]
            guard pool.live else { return "a swiotlb pool that is gone" }
            return page >= pool.firstPage && page < pool.firstPage + pool.pageCount ? nil : "outside the pool"
        case .block(let b):
            guard b < s.blocks.count else { return "a transport's block that was never made" }
            let block = s.blocks[b]
            guard block.live else { return "a transport's block that is gone" }
            return block.pageRange.contains(page) ? nil : "outside the block"
        }
    }

    /// A transient swiotlb pool borrowing an atomic pool's pages, or giving them back.
    static func lent(from before: PageOwner, to after: PageOwner) -> Bool {
        switch (before, after) {
        case (.atomicPool, .swiotlbPool), (.swiotlbPool, .atomicPool): true
        default: false
        }
    }

    static func within(_ page: Int, _ phys: UInt64, pages: Int) -> Bool {
        guard let first = GuestMemory.page(ofPhys: phys) else { return false }
        return page >= first && page < first + pages
    }

    static func roundUpToPowerOfTwo(_ n: Int) -> Int { n <= 1 ? 1 : 1 << (Int.bitWidth - (n - 1).leadingZeroBitCount) }

    static func violation(_ page: Int, _ step: Int, _ detail: String) -> Violation {
        Violation(invariant: .safeLifecycle, site: .pageConservation, step: step, location: "page \(pageName(page))", detail: detail)
    }
}

extension Event {
    /// The event moves pages between holders.
    var movesPages: Bool {
        switch self {
        case .pagesTaken, .freed, .leaked: true
        default: false
        }
    }
}
