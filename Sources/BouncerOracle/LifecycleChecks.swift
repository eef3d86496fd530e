import BouncerModel

/// SAFE-LIFECYCLE: when a mapping, buffer, coherent allocation or scatterlist goes away, whatever
/// it held goes with it; and, at the end of a run, nothing is held by an object that is gone.
enum LifecycleChecks {
    /// Step by step: what the released object held (slots, pages, entries) must have gone with it.
    static func release(_ event: Event, _ s: DmaLayer, _ step: Int) -> Violation? {
        switch event {
        case let .unmapped(mapping, _):
            guard let p = s.mappings[mapping].bouncePool, s.swiotlbPools[p].live else { return nil }
            if let slot = firstSlot(s.swiotlbPools[p].slots, mapping: Int32(mapping), coherent: -1) { return lostSlot(p, slot, s, step) }
        case .coherentFreed(let c):
            let first = GuestMemory.page(ofPhys: s.coherent[c].phys)!
            if let page = (first ..< first + s.coherent[c].pages).first(where: { s.memory.owners[$0] == .coherent(c) }) {
                return lostPage(page, s, step)
            }
            if case .restrictedPool(let p) = s.coherent[c].source, let slot = firstSlot(s.swiotlbPools[p].slots, mapping: -1, coherent: Int32(c)) {
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

    /// The first of `slots` held by mapping `m` or coherent allocation `c` (-1: neither), in a
    /// plain loop: after a release the whole pool is read and, most often, nothing found.
    @inline(__always) static func firstSlot(_ slots: [SwiotlbSlot], mapping m: Int32, coherent c: Int32) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            var i = 0
            while i < slots.count {
                if m >= 0 && slots[i].mapping == m || c >= 0 && slots[i].coherent == c { return i }
                i += 1
            }
            return nil
        }
    }

    /// The first of `pages` the model still has held by `owner`.
    static func firstHeld(_ pages: Range<Int>, by owner: PageOwner, _ s: DmaLayer) -> Int? {
        pages.first { s.memory.owners[$0] == owner }
    }

    /// The first of a live pool's slots held by a mapping or coherent allocation that is gone.
    /// Every slot is read, most of them free (no holder: both handles negative, so their AND is):
    /// four at a time, the four ANDs ANDed, so a run of free slots costs a test per four.
    static func firstLostSlot(_ slots: [SwiotlbSlot], _ s: DmaLayer) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            var i = 0
            while i < slots.count {
                if slots.count - i >= 4,
                    slots[i].mapping & slots[i].coherent & slots[i + 1].mapping & slots[i + 1].coherent
                        & slots[i + 2].mapping & slots[i + 2].coherent & slots[i + 3].mapping & slots[i + 3].coherent < 0
                {
                    i += 4
                    continue
                }
                let end = min(i + 4, slots.count)
                while i < end {
                    let slot = slots[i]
                    if slot.mapping & slot.coherent >= 0,
                        slot.mapping >= 0 && !s.mappings[Int(slot.mapping)].live
                            || slot.coherent >= 0 && !s.coherent[Int(slot.coherent)].live
                    {
                        return i
                    }
                    i += 1
                }
            }
            return nil
        }
    }

    static func lostPage(_ page: Int, _ s: DmaLayer, _ step: Int) -> Violation {
        Violation(
            invariant: .safeLifecycle, site: .release, step: step, location: "page \(pageName(PageNumber(page)))",
            detail: "held by \(s.memory.owners[page]), which is gone: the page is lost, not freed or leaked on purpose")
    }

    static func lostSlot(_ pool: Int, _ slot: Int, _ s: DmaLayer, _ step: Int) -> Violation {
        Violation(
            invariant: .safeLifecycle, site: .release, step: step, location: "swiotlb pool \(pool) (\(s.swiotlbPools[pool].kind)), slot \(slot)",
            detail: "still allocated to a mapping or buffer that is gone")
    }

    static func abandonedEntry(_ mapping: Int, _ sg: Int, _ step: Int) -> Violation {
        Violation(
            invariant: .safeLifecycle, site: .release, step: step, location: "mapping \(mapping) of scatterlist \(sg)",
            detail: "dma_map_sg failed but left this entry mapped; no driver can unmap it")
    }

    /// The full SAFE-LIFECYCLE scan behind `Oracle.checkAccounting`: the first page or slot held
    /// by an object that is gone, or mapping left of a scatterlist that is gone.
    static func accounting(_ s: DmaLayer, _ step: Int) -> Violation? {
        // Pages still held by an object that is gone: look from the dead objects, whose pages
        // are few, rather than over every page; each at once, in the order buffers, coherent
        // allocations, blocks, with nothing gathered (a list of them was an allocation a run).
        for (b, buffer) in s.buffers.enumerated() where !buffer.live && buffer.slabClass == nil {
            let first = GuestMemory.page(ofPhys: buffer.phys)!
            if let page = firstHeld(first ..< first + Int((UInt64(buffer.size) + 4095) >> 12), by: .buffer(b), s) {
                return lostPage(page, s, step)
            }
        }
        for (c, allocation) in s.coherent.enumerated() where !allocation.live {
            let first = GuestMemory.page(ofPhys: allocation.phys)!
            if let page = firstHeld(first ..< first + allocation.pages, by: .coherent(c), s) { return lostPage(page, s, step) }
        }
        for (b, block) in s.blocks.enumerated() where !block.live {
            if let page = firstHeld(block.pageRange, by: .block(b), s) { return lostPage(page, s, step) }
        }
        for (p, pool) in s.swiotlbPools.enumerated() where pool.live {
            if let i = firstLostSlot(pool.slots, s) { return lostSlot(p, i, s, step) }
        }
        for (i, m) in s.mappings.enumerated() where m.live {
            if let sg = m.scatterlist, !s.scatterlists[sg].live {
                return abandonedEntry(i, sg, step)
            }
        }
        return nil
    }
}
