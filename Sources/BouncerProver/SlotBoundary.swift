import BouncerModel
import BouncerPolicy
import SMT

/// The device's segment boundary in the slot search (`dma_get_seg_boundary()`, honoured by
/// `swiotlb_search_pool_area()` through the policy's `swiotlbSpanCrossesBoundary`): what
/// SWIOTLB-NO-OVERLAP asks of it besides the slot bookkeeping.
extension SlotInduction {
    /// The pool's start as the device addresses it and the device's boundary, any values the
    /// kernel can have: `tbl_dma_addr` on a slot (pools start on a page), the mask 2^k - 1 with
    /// k >= `IO_TLB_SHIFT` or `ULONG_MAX`. Below a slot no search can honour a boundary (one slot
    /// already crosses it), so such masks are not asked about.
    static func boundaryUnknowns(_ z: Context, _ solver: Solver) -> (tblDmaAddress: Term, mask: Term) {
        let tbl = z.word("tbl_dma_addr"), mask = z.word("segment_boundary_mask")
        solver.assert(z.equal(z.bitAnd(tbl, z.word(value: IOTLB.slotSize - 1)), z.word(value: 0)))
        solver.assert(isBitMask(z, mask))
        solver.assert(z.unsignedLessOrEqual(z.word(value: IOTLB.slotSize - 1), mask))
        return (tbl, mask)
    }

    /// The search's boundary rule (`rules.crossesBoundary`) for `nslots` slots from slot `index`
    /// (64-bit words): `tbl_dma_addr` masked, where it lies in its window and the window's size.
    func crossesBoundary(index: Term, nslots: Term) -> Term {
        let base = wide.bitAnd(tblDmaAddress, boundaryMask)
        return rules.crossesBoundary(wide, index, nslots, wide.swiotlbSlotCount(base), wide.swiotlbMaxSlots(boundaryMask: boundaryMask))
    }

    /// `count` slots from slot `start` (64-bit words), as the device addresses them, lie inside one
    /// window of the boundary: their first and last byte have the same bits above the mask.
    func insideOneWindow(start: Term, count: Term) -> Term {
        let first = z.add(tblDmaAddress, wide.shiftLeft(start, IOTLB.shift))
        let last = z.subtract(z.add(first, wide.shiftLeft(count, IOTLB.shift)), wide.constant(UInt64(1)))
        return z.equal(z.bitAnd(first, z.bitNot(boundaryMask)), z.bitAnd(last, z.bitNot(boundaryMask)))
    }

    /// Every run the rule lets the search take lies inside one window: any length a segment allows
    /// (`IO_TLB_SEGSIZE` slots), from any slot index (an `unsigned int`), of any pool. The search
    /// takes a run only where the rule says it does not cross, so this is what keeps every
    /// allocation inside a window; nil when it holds, else the refutation or unknown.
    func checkAnyRunInsideOneWindow(_ solver: Solver) throws(SMTError) -> Outcome? {
        solver.push()
        defer { solver.pop() }
        let index = z.word("any_run.index"), nslots = z.word("any_run.nslots")
        solver.assert(z.unsignedLess(index, z.word(value: 1 << 32)))
        solver.assert(z.unsignedLess(z.word(value: 0), nslots))
        solver.assert(z.unsignedLessOrEqual(nslots, z.word(value: UInt64(IOTLB.segmentSlots))))
        solver.assert(z.not(crossesBoundary(index: index, nslots: nslots)))
        solver.assert(z.not(insideOneWindow(start: index, count: nslots)))
        switch try solver.check() {
        case .unsatisfiable: return nil
        case .unknown(let reason): return .unknown(reason)
        case .satisfiable(let m):
            return .refuted(Counterexample(platform: nil, values: [
                ("tbl_dma_addr", hex(m.word(tblDmaAddress))), ("segment boundary mask", hex(m.word(boundaryMask))),
                ("step", "allocate \(m.word(nslots)) slots at \(m.word(index)), across the boundary"),
            ], scenario: nil))
        }
    }
}
