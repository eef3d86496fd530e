import BouncerModel

/// DATA-INTEGRITY and CONF-STALE: what the CPU reads back after a sync or unmap, against what the
/// ownership shadow says the owner may expect.
enum IntegrityChecks {
    static func check(_ event: Event, _ shadow: OwnershipShadow, _ s: DmaLayer, _ step: Int) -> Violation? {
        switch event {
        case let .syncedForCpu(mapping, offset, size, readBack?):
            return compareReadBack(s, shadow, s.readBacks[readBack], mapping: mapping, offset: offset, size: size, step)
        case let .unmapped(mapping, readBack?):
            return compareReadBack(s, shadow, s.readBacks[readBack], mapping: mapping, offset: 0, size: s.mappings[mapping].size, step)
        default:
            return nil
        }
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
