import BouncerModel

/// SAFE-LIFECYCLE: when a mapping, buffer, coherent allocation or scatterlist goes away, whatever
/// it held goes with it; and, at the end of a run, nothing is held by an object that is gone.
enum LifecycleChecks {
    /// Step by step: what the released object held (slots, pages, entries) must have gone with it.
    static func release(_ event: Event, _ s: DmaLayer, _ step: Int) -> Violation? {
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

    /// The first of `pages` the model still has held by `owner`.
    static func firstHeld(_ pages: Range<Int>, by owner: PageOwner, _ s: DmaLayer) -> Int? {
        pages.first { s.memory.owners[$0] == owner }
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
            // Every slot of the pool, most of them free (no holder: both handles negative).
            let lost: Int? = pool.slots.withUnsafeBufferPointer { slots in
                var i = 0
                while i < slots.count {
                    let slot = slots[i]
                    if slot.mapping & slot.coherent < 0 { i += 1; continue }
                    if slot.mapping >= 0 && !s.mappings[Int(slot.mapping)].live
                        || slot.coherent >= 0 && !s.coherent[Int(slot.coherent)].live
                    {
                        return i
                    }
                    i += 1
                }
                return nil
            }
            if let i = lost { return lostSlot(p, i, s, step) }
        }
        for (i, m) in s.mappings.enumerated() where m.live {
            if let sg = m.scatterlist, !s.scatterlists[sg].live {
                return abandonedEntry(i, sg, step)
            }
        }
        return nil
    }
}
