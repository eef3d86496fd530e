import BouncerModel
import BouncerPolicy
import BouncerRunner

extension Minimizer {
    /// How far into an object a merged reference may point, besides where it pointed: the next
    /// bounce slot (`IO_TLB_SIZE`) and the next page, where a driver's or device's address past
    /// its own object lands in a neighbour's.
    static let mergedOffsets: [UInt64] = [IOTLB.slotSize, GuestMemory.pageSize]

    /// Points every reference to one object at another of its kind that the program makes
    /// anyway, and deletes the operation that made the first (with whatever used only it): two
    /// buffers or mappings become one. When the old reference had an offset (`mapping, offset`),
    /// it is also tried past the start of the new object, for an address into the first one
    /// that no offset into the second reproduces exactly. Keeps the first that still breaks the
    /// invariant; deletion and simplification go first because this move costs more runs.
    mutating func mergeObjects(_ program: inout [AbstractOperation]) -> Bool {
        let made = program.enumerated().flatMap { i, a in a.creates.map { (creator: $0, index: i) } }
        for (position, maker) in program.enumerated().reversed() {
            for gone in maker.creates {
                let users = program.indices.filter { program[$0].creators.contains(gone) }
                guard !users.isEmpty else { continue }
                for other in made where other.creator.kind == gone.kind && other.index != position && other.index < users[0] {
                    for offset in [nil] + Self.mergedOffsets.map(Optional.some) {
                        guard let candidate = Self.merged(program, gone, into: other.creator, users, offset: offset) else { continue }
                        var shorter = candidate
                        shorter.remove(at: position)
                        if keeps(shorter) {
                            program = shorter
                            return true
                        }
                    }
                }
            }
        }
        return false
    }

    /// `program` with `users`' references to `gone` naming `other` instead and, when `offset` is
    /// given, the offset into it set to that; nil when no reference so rewritten has an offset.
    static func merged(
        _ program: [AbstractOperation], _ gone: Creator, into other: Creator, _ users: [Int], offset: UInt64?
    ) -> [AbstractOperation]? {
        var out = program
        var offsetSet = false
        for i in users {
            var fields = out[i].template.fields
            for (k, c) in out[i].creators.enumerated() where c == gone {
                out[i].creators[k] = other
                if let offset, let field = out[i].template.offsetField(ofReference: k), fields[field] != offset {
                    fields[field] = offset
                    offsetSet = true
                }
            }
            out[i].template = out[i].template.described.make(fields)
        }
        return offset == nil || offsetSet ? out : nil
    }
}
