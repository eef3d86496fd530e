import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import SMT

/// swiotlb's slot bookkeeping on one small pool, proved by induction: eight slots, up to three
/// live allocations; a step allocates one to three slots wherever the search would accept them
/// (`list[s] >= nslots` and the profile's `swiotlbSlotSuitable`, any such `s`, so the real search
/// order is covered) or releases a live allocation. An allocation is a streaming mapping (any
/// original address and `min_align_mask`) or a `swiotlb_alloc()` of a page (no original, the
/// page's alignment), which hands out the page its first slot is in (`swiotlbAllocPage`) unless
/// the profile refuses an unaligned slot. The pool lies anywhere in the device's DMA space
/// (`tbl_dma_addr`, any slot) and the device has any segment boundary (`dma_get_seg_boundary()`):
/// the search tests alignment on the masked `tbl_dma_addr` and passes over a run that crosses a
/// window (`SlotBoundary.swift`). The free-count updates follow the kernel's loops with the
/// policy's own step rules (`swiotlbCountsBackward`, `swiotlbReleaseCarry`). Property: live
/// allocations never overlap and stay inside the pool, and every holder is handed only slots it
/// holds, after any number of steps; and every run the boundary rule lets the search take, of
/// any length a segment allows, from any slot, lies inside one window of the boundary.
struct SlotInduction {
    /// The free-count step rules the kernel's loops use and the search's boundary rule; the
    /// policy's by default. A test can pass broken ones to see the proof fail.
    struct Rules {
        var countsBackward: (Z3Domain, Term, Term) -> Term = { d, slot, list in d.swiotlbCountsBackward(slot: slot, list: list) }
        var releaseCarry: (Z3Domain, Term, Term, Term) -> Term = { d, index, nslots, after in
            d.swiotlbReleaseCarry(index: index, nslots: nslots, listAfter: after)
        }
        var crossesBoundary: (Z3Domain, _ index: Term, _ nslots: Term, _ tblSlots: Term, _ maxSlots: Term) -> Term = {
            d, index, nslots, tblSlots, maxSlots in
            d.swiotlbSpanCrossesBoundary(index: index, nslots: nslots, tblSlots: tblSlots, maxSlots: maxSlots)
        }
    }

    static let slots = 8
    static let allocations = 3

    struct State {
        var list: [Term]
        var live: [Term]
        var start: [Term]
        var count: [Term]
        /// The first slot of what the holder was handed: the start, or the page's first slot.
        var hold: [Term]
    }

    let d: Z3Domain
    let z: Context
    var rules = Rules()
    /// The profile's behaviours, for the search's alignment decision.
    let b: BehaviourTerms<Z3Domain>
    /// The pool's start as the device addresses it (`swiotlbTblDmaAddress`, unmasked) and the
    /// device's segment boundary mask, 64-bit words of `wide`; fixed for the pool's life.
    let tblDmaAddress: Term
    let boundaryMask: Term

    /// Slot indices, free counts, the pool's physical slot addresses (pool at 0, page-aligned as
    /// the kernel's are) and the search's masks fit in 16 bits; the step rules are the same at any
    /// width. The boundary and `tbl_dma_addr` range over the kernel's 64 bits (`wide`).
    static let bits: UInt32 = 16

    var wide: Z3Domain { Z3Domain(z) }

    /// A 16-bit word as a 64-bit one.
    func widened(_ x: Term) -> Term { z.zeroExtend(x, by: 64 - Self.bits) }

    func w(_ v: Int) -> Term { z.word(value: UInt64(v), bits: Self.bits) }

    func initial() -> State {
        // swiotlb_init_io_tlb_pool(): free counts run to the end of the pool.
        State(
            list: (0 ..< Self.slots).map { w(Self.slots - $0) },
            live: Array(repeating: z.boolean(value: false), count: Self.allocations),
            start: Array(repeating: w(0), count: Self.allocations),
            count: Array(repeating: w(0), count: Self.allocations),
            hold: Array(repeating: w(0), count: Self.allocations))
    }

    /// What one allocation asks the search for.
    struct Request {
        /// `swiotlb_alloc()` of one page, rather than a streaming mapping.
        var page: Term
        var orig: Term
        var minAlignMask: Term
    }

    /// `swiotlb_search_pool_area()` accepts `start` for the request (the profile's masks), and
    /// what the holder is handed begins at `hold`; false when `swiotlb_alloc()` refuses the slot.
    func searched(_ r: Request, start: Term, n: Term) -> (accepts: Term, hold: Term) {
        // slot_addr(tbl_dma_addr, index) with tbl_dma_addr masked by the boundary, which the
        // alignment is tested on; swiotlb_alloc() looks at the slot's physical address.
        // The masks are below 64 KiB, so the low 16 bits of the DMA address decide.
        let base = wide.bitAnd(tblDmaAddress, boundaryMask)
        let address = d.shiftLeft(start, IOTLB.shift)
        let dmaAddress = z.add(z.extract(base, high: Self.bits - 1, low: 0), address)
        let orig = z.ite(r.page, w(0), r.orig)
        let masks = d.swiotlbSearchMasks(
            b, allocAlignMask: z.ite(r.page, w(4095), w(0)), minAlignMask: z.ite(r.page, w(0), r.minAlignMask),
            allocSize: d.shiftLeft(n, IOTLB.shift))
        let suitable = d.swiotlbSlotSuitable(
            slotAddress: dmaAddress, orig: orig, alignMask: masks.alignMask, iotlbAlignMask: masks.iotlbAlignMask)
        let page = d.swiotlbAllocPage(tlbAddress: address)
        let refused = z.and([r.page, z.not(z.equal(page, address)), d.swiotlbAllocRefusesUnaligned(b)])
        let crosses = crossesBoundary(index: widened(start), nslots: widened(n))
        return (z.and([suitable, z.not(crosses), z.not(refused)]), z.ite(r.page, d.shiftRight(page, IOTLB.shift), start))
    }

    /// `list[index]` for a symbolic index (0 past the end).
    func list(_ s: State, at index: Term) -> Term {
        var value = w(0)
        for i in (0 ..< Self.slots).reversed() { value = z.ite(z.equal(index, w(i)), s.list[i], value) }
        return value
    }

    /// Slot i is in the walk back from `start`: every slot from i to start-1 counts backward.
    func inWalkBack(_ s: State, _ i: Int, before start: Term) -> Term {
        z.and(z.unsignedLess(w(i), start), z.and((i ..< Self.slots).map { j in
            z.implies(z.unsignedLess(w(j), start), rules.countsBackward(d, w(j), s.list[j]))
        }))
    }

    /// `swiotlb_area_find_slots()` for allocation `k`: `n` slots at `start`.
    func allocate(_ s: State, _ k: Int, _ r: Request, start: Term, n: Term, when go: Term) -> (State, Term) {
        var next = s
        let search = searched(r, start: start, n: n)
        let ok = z.and([
            go, z.not(s.live[k]), z.unsignedLess(start, w(Self.slots)), z.unsignedLessOrEqual(n, list(s, at: start)),
            search.accepts,
        ])
        for i in 0 ..< Self.slots {
            let inRun = z.and(z.unsignedLessOrEqual(start, w(i)), z.unsignedLess(w(i), z.add(start, n)))
            let counted = z.subtract(start, w(i))
            next.list[i] = z.ite(ok, z.ite(inRun, w(0), z.ite(inWalkBack(s, i, before: start), counted, s.list[i])), s.list[i])
        }
        next.live[k] = z.or(s.live[k], ok)
        next.start[k] = z.ite(ok, start, s.start[k])
        next.count[k] = z.ite(ok, n, s.count[k])
        next.hold[k] = z.ite(ok, search.hold, s.hold[k])
        return (next, ok)
    }

    /// `swiotlb_release_slots()` for allocation `k`.
    func release(_ s: State, _ k: Int, when go: Term) -> State {
        var next = s
        let ok = z.and(go, s.live[k])
        let start = s.start[k], n = s.count[k]
        let carry = rules.releaseCarry(d, start, n, list(s, at: z.add(start, n)))
        for i in 0 ..< Self.slots {
            let inRun = z.and(z.unsignedLessOrEqual(start, w(i)), z.unsignedLess(w(i), z.add(start, n)))
            let freed = z.add(carry, z.subtract(z.add(start, n), w(i)))
            next.list[i] = z.ite(ok, z.ite(inRun, freed, z.ite(inWalkBack(s, i, before: start), freed, s.list[i])), s.list[i])
        }
        next.live[k] = z.and(s.live[k], z.not(ok))
        return next
    }

    func select(_ c: Term, _ a: State, _ b: State) -> State {
        State(
            list: zip(a.list, b.list).map { z.ite(c, $0, $1) }, live: zip(a.live, b.live).map { z.ite(c, $0, $1) },
            start: zip(a.start, b.start).map { z.ite(c, $0, $1) }, count: zip(a.count, b.count).map { z.ite(c, $0, $1) },
            hold: zip(a.hold, b.hold).map { z.ite(c, $0, $1) })
    }

    /// Two live allocations overlap, one leaves the pool, or a holder was handed a slot it does
    /// not hold.
    func broken(_ s: State) -> Term {
        var bad: [Term] = []
        for a in 0 ..< Self.allocations {
            bad.append(z.and(s.live[a], z.unsignedLess(w(Self.slots), z.add(s.start[a], s.count[a]))))
            bad.append(z.and(s.live[a], z.not(z.equal(s.hold[a], s.start[a]))))
            for b in a + 1 ..< Self.allocations {
                let disjoint = z.or(
                    z.unsignedLessOrEqual(z.add(s.start[a], s.count[a]), s.start[b]),
                    z.unsignedLessOrEqual(z.add(s.start[b], s.count[b]), s.start[a]))
                bad.append(z.and([s.live[a], s.live[b], z.not(disjoint)]))
            }
        }
        return z.or(bad)
    }

    /// Slot `i` belongs to a live allocation.
    func allocated(_ s: State, _ i: Int) -> Term {
        z.or((0 ..< Self.allocations).map { k in
            z.and([s.live[k], z.unsignedLessOrEqual(s.start[k], w(i)), z.unsignedLess(w(i), z.add(s.start[k], s.count[k]))])
        })
    }

    /// The invariant: every free count is the length of the free run from its slot, and live
    /// allocations are one to three slots, inside the pool, pairwise disjoint.
    func invariant(_ s: State) -> Term {
        var parts: [Term] = [z.not(broken(s))]
        for k in 0 ..< Self.allocations {
            parts.append(z.implies(s.live[k], z.and([
                z.unsignedLessOrEqual(w(1), s.count[k]), z.unsignedLessOrEqual(s.count[k], w(3)),
                z.unsignedLessOrEqual(s.start[k], z.subtract(w(Self.slots), s.count[k])),
            ])))
        }
        for i in 0 ..< Self.slots {
            let runAfter = i + 1 < Self.slots ? s.list[i + 1] : w(0)
            parts.append(z.equal(s.list[i], z.ite(allocated(s, i), w(0), z.add(w(1), runAfter))))
        }
        return z.and(parts)
    }

    /// Induction, in one query: from any state satisfying the invariant, any allocation the
    /// search accepts (`list[start] >= nslots`) or any release leads to a state satisfying it.
    /// The initial pool satisfies it, so it holds after every sequence, of any length.
    static func check(_ options: ProofOptions, behaviours: Behaviours = Behaviours(), rules: Rules = Rules()) throws(SMTError) -> Outcome {
        let z = Context()
        let d = Z3Domain(z, bits: bits)
        let solver = Solver(z, timeoutMilliseconds: options.timeoutMilliseconds, logic: "QF_BV")
        let (tbl, mask) = boundaryUnknowns(z, solver)
        let bmc = SlotInduction(d: d, z: z, rules: rules, b: BehaviourTerms(d, behaviours), tblDmaAddress: tbl, boundaryMask: mask)
        let before = State(
            list: (0 ..< slots).map { z.word("list.\($0)", bits: bits) },
            live: (0 ..< allocations).map { z.boolean("live.\($0)") },
            start: (0 ..< allocations).map { z.word("start.\($0)", bits: bits) },
            count: (0 ..< allocations).map { z.word("count.\($0)", bits: bits) },
            hold: (0 ..< allocations).map { z.word("hold.\($0)", bits: bits) })
        let op = z.word("op", bits: bits), start = z.word("start", bits: bits), n = z.word("nslots", bits: bits)
        let request = Request(page: z.boolean("swiotlb_alloc"), orig: z.word("orig_addr", bits: bits), minAlignMask: z.word("min_align_mask", bits: bits))
        solver.assert(z.unsignedLess(op, bmc.w(2 * allocations)))
        solver.assert(z.and(z.unsignedLessOrEqual(bmc.w(1), n), z.unsignedLessOrEqual(n, bmc.w(3))))
        // A streaming mapping has an original address and a `min_align_mask` (a low bit mask); a
        // `swiotlb_alloc()` of one page takes two slots.
        solver.assert(z.implies(request.page, z.equal(n, bmc.w(2))))
        solver.assert(z.not(z.equal(request.orig, bmc.w(0))))
        solver.assert(z.equal(z.bitAnd(request.minAlignMask, z.add(request.minAlignMask, bmc.w(1))), bmc.w(0)))
        var after = before
        for k in 0 ..< allocations {
            after = bmc.select(z.equal(op, bmc.w(k)), bmc.allocate(before, k, request, start: start, n: n, when: z.boolean(value: true)).0, after)
            after = bmc.select(z.equal(op, bmc.w(allocations + k)), bmc.release(before, k, when: z.boolean(value: true)), after)
        }
        // Base case, then the inductive step.
        solver.push()
        solver.assert(z.not(bmc.invariant(bmc.initial())))
        let base = try solver.check()
        solver.pop()
        guard case .unsatisfiable = base else { return .unknown("the initial pool does not satisfy the invariant") }
        if let across = try bmc.checkAnyRunInsideOneWindow(solver) { return across }
        solver.assert(bmc.invariant(before))
        solver.assert(z.not(bmc.invariant(after)))
        switch try solver.check() {
        case .unsatisfiable: return .proved
        case .unknown(let reason): return .unknown(reason)
        case .satisfiable(let m):
            let o = Int(m.word(op))
            var lines = [
                ("tbl_dma_addr", hex(m.word(tbl))), ("segment boundary mask", hex(m.word(mask))),
                ("free counts before", before.list.map { "\(m.word($0))" }.joined(separator: " ")),
            ]
            lines += (0 ..< allocations).compactMap { k in
                m.boolean(before.live[k]) ? ("allocation \(k)", "\(m.word(before.count[k])) slots at \(m.word(before.start[k])), handed slot \(m.word(before.hold[k])) on") : nil
            }
            let what = m.boolean(request.page) ? "swiotlb_alloc of a page" : "a mapping of orig_addr \(hex(m.word(request.orig))), min_align_mask \(hex(m.word(request.minAlignMask)))"
            lines.append(("step", o < allocations ? "allocate \(m.word(n)) slots at \(m.word(start)) for \(what)" : "release allocation \(o - allocations)"))
            if o < allocations { lines.append(("handed from slot", "\(m.word(after.hold[o]))")) }
            lines.append(("free counts after", after.list.map { "\(m.word($0))" }.joined(separator: " ")))
            return .refuted(Counterexample(platform: nil, values: lines, scenario: nil))
        }
    }
}

extension SlotInduction {
    /// The refutation's shape in the concrete model: a one-slot bounce on a restricted-dma-pool
    /// leaves the search index at slot 1, then `dma_alloc_coherent()` of a page asks
    /// `swiotlb_alloc()` for two slots. Kept only if it replays (`replaying`).
    static let pageAfterOneSlot = Scenario(platform: .tdx, operations: [
        .probeDevice(DeviceConfig(restrictedPool: true)),
        .kmalloc(size: 64, zone: .normal),
        .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false),
        .allocCoherent(device: 0, size: 4096, blocking: true),
    ])
}

extension Obligation {
    static let slotInduction = Obligation(
        id: "SWIOTLB-NO-OVERLAP",
        statement: "Free counts always equal free run lengths and every holder is handed only the slots it holds, so no sequence of slot allocations (the profile's search, streaming mappings and swiotlb_alloc, any segment boundary) and releases, of any length, gives two live holders a slot (eight-slot pool, by induction); no run the search takes, of any length a segment allows, crosses the device's segment boundary.",
        protects: .confStale
    ) { profile, options throws(SMTError) in
        let outcome = try SlotInduction.check(options, behaviours: profile.behaviours)
        guard case .refuted(var c) = outcome else { return outcome }
        c.scenario = replaying(.confStale, profile, [SlotInduction.pageAfterOneSlot])
        return .refuted(c)
    }
}
