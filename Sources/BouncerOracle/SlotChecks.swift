import BouncerModel
import BouncerPolicy

/// Slots never shared: every byte of swiotlb memory a holder is handed (a bounced mapping's
/// buffer, a coherent allocation from a restricted-dma-pool) lies in slots that holder alone
/// holds, and every page an atomic pool hands out is that allocation's alone. `swiotlb_alloc()`
/// hands out the page its first slot is in; when the search returned a slot that does not start a
/// page (CVE-2024-35814, fixed by 04867a7a3332) the page reaches into
/// a slot someone else holds, or will. The runtime form of SWIOTLB-NO-OVERLAP, so the fuzzers see
/// what the proof sees.
enum SlotChecks {
    /// Inlined into `Oracle.check`: most hand-outs are of memory no pool served, and answer here;
    /// the slots are walked out of line.
    @inline(__always) static func check(_ event: Event, _ s: DmaLayer, _ step: Int) -> Violation? {
        guard case let .handedOut(_, _, _, mapping, coherent) = event else { return nil }
        if let m = mapping, let p = s.mappings[m].bouncePool, s.mappings[m].live {
            return unheldSlot(p, s.mappings[m].tlbAddress, s.mappings[m].tlbAddress + UInt64(s.mappings[m].size), mapping, coherent, s, step)
        } else if let c = coherent, case .restrictedPool(let p) = s.coherent[c].source, s.coherent[c].live {
            let end = s.coherent[c].phys + UInt64(s.coherent[c].pages) << GuestMemory.pageShift
            return unheldSlot(p, s.coherent[c].phys, end, mapping, coherent, s, step)
        } else if let c = coherent, case .atomicPool = s.coherent[c].source, s.coherent[c].live {
            return atomicPoolShared(c, s, step)
        }
        return nil
    }

    /// The first slot of swiotlb pool `pool` that the bytes `lo..<hi` handed to the mapping or
    /// coherent allocation reach and that holder does not hold.
    @inline(never) static func unheldSlot(
        _ pool: Int, _ lo: UInt64, _ hi: UInt64, _ mapping: Int?, _ coherent: Int?, _ s: DmaLayer, _ step: Int
    ) -> Violation? {
        let p = s.swiotlbPools[pool]
        guard hi > lo else { return nil }
        let first = lo < p.start ? -1 : Int((lo - p.start) >> IOTLB.shift)
        let last = hi - 1 < p.start ? -1 : Int((hi - 1 - p.start) >> IOTLB.shift)
        for slot in first ... max(first, last) {
            let held = slot >= 0 && slot < p.slots.count
                && (mapping.map { p.slots[slot].mapping == Int32($0) } ?? false
                    || coherent.map { p.slots[slot].coherent == Int32($0) } ?? false)
            if held { continue }
            let holder = slot < 0 || slot >= p.slots.count ? "outside the pool"
                : p.slots[slot].mapping >= 0 ? "held by mapping \(p.slots[slot].mapping)"
                : p.slots[slot].coherent >= 0 ? "held by coherent allocation \(p.slots[slot].coherent)" : "free"
            let who = mapping.map { "mapping \($0)" } ?? "coherent allocation \(coherent!)"
            return Violation(
                invariant: .confStale, site: .slotShared, step: step,
                location: "swiotlb pool \(pool) (\(p.kind)), slot \(slot)",
                detail: "\(who) is handed \(hex(lo))..\(hex(hi)), which reaches this slot, \(holder)")
        }
        return nil
    }

    /// The same for the atomic pools: pages `dma_alloc_from_pool()` hands out belong to that
    /// allocation alone, so no other live allocation from an atomic pool reaches them
    /// (`gen_pool_alloc()` handing out a run twice, or a free that gave back the wrong run).
    static func atomicPoolShared(_ c: Int, _ s: DmaLayer, _ step: Int) -> Violation? {
        let mine = s.coherent[c]
        guard case .atomicPool(let pool) = mine.source else { return nil }
        let end = mine.phys + UInt64(mine.pages) << GuestMemory.pageShift
        for (o, other) in s.coherent.enumerated() where o != c && other.live {
            guard case .atomicPool(let otherPool) = other.source else { continue }
            let otherEnd = other.phys + UInt64(other.pages) << GuestMemory.pageShift
            guard other.phys < end && mine.phys < otherEnd else { continue }
            return Violation(
                invariant: .confStale, site: .slotShared, step: step, location: "atomic pool \(pool), coherent allocation \(c)",
                detail: "is handed \(hex(mine.phys))..\(hex(end)), which coherent allocation \(o) from atomic pool \(otherPool) still holds")
        }
        return nil
    }
}
