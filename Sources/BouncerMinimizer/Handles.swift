import BouncerModel
import BouncerRunner
import BouncerTransports

extension GuestOperation {
    /// The handles the operation names, in field order, as its description says.
    var references: [(HandleKind, Int)] {
        let d = described
        let f = d.read(self)!
        var out: [(HandleKind, Int)] = []
        for (i, field) in d.fields.enumerated() {
            switch field.role {
            case .handle(let kind): out.append((kind, f.int(i)))
            case .handles(let kind, _): out += f.list(i).map { (kind, $0) }
            default: break
            }
        }
        return out
    }

    /// The same operation naming `handles` instead, in field order.
    func naming(_ handles: [Int]) -> GuestOperation {
        guard !handles.isEmpty else { return self }
        let d = described
        var f = d.read(self)!
        var next = 0
        for (i, field) in d.fields.enumerated() {
            switch field.role {
            case .handle:
                f[i] = handles[next].fieldValue
                next += 1
            case .handles:
                let rest = handles[next...].prefix(Fields.capacity - 1 - i)
                f[i] = UInt64(rest.count)
                for (k, h) in rest.enumerated() { f[i + 1 + k] = h.fieldValue }
                next += rest.count
            default: break
            }
        }
        return d.make(f)
    }

    /// The field of the offset into the object reference `k` names: the first `.offset` after its
    /// `.handle` field, before the next handle (`buffer, offset, size`); nil for a list entry.
    func offsetField(ofReference k: Int) -> Int? {
        let fields = described.fields
        var seen = 0
        for (i, field) in fields.enumerated() {
            switch field.role {
            case .handle:
                if seen == k {
                    for j in fields.indices.dropFirst(i + 1) {
                        switch fields[j].role {
                        case .offset: return j
                        case .handle, .handles: return nil
                        default: continue
                        }
                    }
                    return nil
                }
                seen += 1
            case .handles: return nil
            default: continue
            }
        }
        return nil
    }
}

/// Which operation of the original input created an object: its position, the kind, and the
/// ordinal among the objects of that kind it created (a scatterlist creates several mappings).
struct Creator: Hashable {
    var step: Int
    var kind: HandleKind
    var ordinal: Int
}

/// An operation whose references name their creators instead of handles, so that deleting
/// other operations never makes it name the wrong object.
struct AbstractOperation: Hashable {
    /// Position in the original input: the identity creators refer to.
    var step: Int
    var template: GuestOperation
    /// One per reference; nil when the original named nothing that existed.
    var creators: [Creator?]
    /// The objects it made in the original, so that another operation can be pointed at them.
    var creates: [Creator] = []
    /// For memory named by page: the later mapping whose DMA buffer it lies in (`Anchors`).
    var anchor: Anchor?
}
