import BouncerModel
import BouncerPolicy

/// SAFE-HOSTINPUT: a copy whose length or offset the host chose stays inside its object, and no
/// host-writable field is read twice with two values.
enum HostInputChecks {
    static func check(_ event: Event, _ s: DmaLayer, _ step: Int) -> Violation? {
        switch event {
        case let .bounced(mapping, toDevice, tlb, orig, size):
            let m = s.mappings[mapping]
            let origStart = PhysAddr(m.phys), tlbStart = PhysAddr(m.tlbAddress)
            let origEnd = origStart + UInt64(m.size), tlbEnd = tlbStart + UInt64(m.size)
            guard orig < origStart || orig + size > origEnd || orig + size < orig || tlb < tlbStart || tlb + size > tlbEnd
            else { return nil }
            return Violation(
                invariant: .safeHostInput, site: .bounceCopy, step: step, location: "mapping \(mapping), slot \(tlb)",
                detail: "swiotlb_bounce copied \(size) bytes \(toDevice ? "to" : "from") the slot at original \(orig), "
                    + "outside the mapping \(origStart)+\(m.size)")
        case let .driverCopied(phys, size, objectPhys, objectSize, what):
            guard phys < objectPhys || phys + size < phys || phys + size > objectPhys + objectSize else { return nil }
            return Violation(
                invariant: .safeHostInput, site: .driverCopy, step: step, location: "\(what), object \(objectPhys)+\(objectSize)",
                detail: "the driver copied \(size) bytes at \(phys), outside its object, with a length or offset the host chose")
        case let .sharedFieldFetched(field, value, what):
            // The same host-writable field fetched twice in one step with two values: the guest
            // checked one and acted on the other.
            for earlier in s.events {
                guard case let .sharedFieldFetched(f, v, _) = earlier, f == field else { continue }
                guard v != value else { return nil }
                return Violation(
                    invariant: .safeHostInput, site: .doubleFetch, step: step, location: "\(what), field \(hex(UInt64(field)))",
                    detail: "read twice from host-visible memory: \(v) then \(value) (double fetch)")
            }
            return nil
        default:
            return nil
        }
    }
}
