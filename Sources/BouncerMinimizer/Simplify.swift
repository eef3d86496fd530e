import BouncerModel
import BouncerRunner

/// Simpler versions of an operation, derived from what its description says each field is:
/// offsets towards zero, sizes towards small round numbers, flags and choices towards their
/// simplest value, ids towards the first posted, lists shorter. Every candidate is strictly
/// simpler in a fixed order, so simplification always ends.
enum Simplify {
    /// A simpler operation, and the reference it no longer makes (a list entry it dropped).
    struct Candidate: Equatable {
        var operation: GuestOperation
        var droppedReference: Int?
    }

    static func smaller(_ v: UInt64, minimum: UInt64 = 1) -> [UInt64] {
        [1, 64, 512, 4096, v / 2].filter { $0 >= max(1, minimum) && $0 < v }
    }

    /// Field by field in the description's order; a group's all-defaults variant comes first.
    static func candidates(_ op: GuestOperation) -> [Candidate] {
        let d = op.described
        let f = d.read(op)!
        var out: [Fields] = []
        var dropped: [Candidate] = []
        var groupsDone: Set<String> = []
        var references = 0
        for (i, field) in d.fields.enumerated() {
            if let group = field.group, groupsDone.insert(group).inserted {
                var all = f
                for (k, member) in d.fields.enumerated() where member.group == group { all[k] = simplest(member, all[k]) }
                out.append(all)
            }
            func with(_ v: UInt64) {
                var g = f
                g[i] = v
                // A host's rewrite that repeated the old value keeps repeating it.
                for (k, other) in d.fields.enumerated() {
                    if case .rewrite(let of) = other.role, of == i, f[k] == f[i] { g[k] = v }
                }
                out.append(g)
            }
            let v = f[i]
            switch field.role {
            case .handle: references += 1
            case .handles:
                let list = f.list(i)
                if list.count > 1 {
                    for k in list.indices {
                        var g = f
                        let rest = list.enumerated().filter { $0.offset != k }.map(\.element)
                        g[i] = UInt64(rest.count)
                        for (j, h) in rest.enumerated() { g[i + 1 + j] = UInt64(h) }
                        g[i + list.count] = 0
                        dropped.append(Candidate(operation: d.make(g), droppedReference: references + k))
                    }
                }
                references += list.count
            case .offset: if v != 0 { with(0) }
            case .size(let minimum): smaller(v, minimum: minimum).forEach(with)
            case .count: (0 ..< v).forEach(with)
            case .id(let first): (first ..< max(first, min(v, 8))).forEach(with)
            case .page: break
            case .flag(let s): if v != (s ? 1 : 0) { with(s ? 1 : 0) }
            case let .choice(_, s):
                if v != UInt64(s) { with(UInt64(s)) }
                if s == 0 { (1 ..< max(1, v)).forEach(with) }
            case .table(let values): if v != values[0] { with(values[0]) }
            case .maskBits: if v != 64 { with(64) }
            case .optionSet:
                for bit in 0 ..< 8 where v & (1 << bit) != 0 { with(v & ~(1 << bit)) }
            case .rewrite(let of): if v != f[of] { with(f[of]) }
            }
        }
        return out.map { Candidate(operation: d.make($0)) } + dropped
    }

    static func simplest(_ field: Field, _ v: UInt64) -> UInt64 {
        switch field.role {
        case .offset, .count: 0
        case .size(let minimum): max(1, minimum)
        case .flag(let s): s ? 1 : 0
        case let .choice(_, s): UInt64(s)
        case .table(let values): values[0]
        case .maskBits: 64
        default: v
        }
    }
}
