import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner

/// Where a mapping's DMA buffer is (its bounce slot, or the buffer itself when mapped directly);
/// nil for an MMIO mapping, which has none in guest memory.
func dmaBuffer(_ m: Mapping) -> ClosedRange<UInt64>? {
    guard !m.attrs.contains(.mmio), m.size > 0 else { return nil }
    let base = m.bouncePool != nil ? m.tlbAddress : m.phys
    return base ... base + UInt64(m.size) - 1
}

/// An operation that names guest memory by page, as its description says: a `.page` field,
/// then an `.offset` into that page and a `.size` (a host write).
struct PagePlacement {
    let page: Int
    let offset: Int
    let size: Int

    init?(_ d: OperationDescription) {
        guard let page = d.fields.firstIndex(where: { if case .page = $0.role { true } else { false } }),
            let offset = d.fields.indices.first(where: { if $0 > page, case .offset = d.fields[$0].role { true } else { false } }),
            let size = d.fields.indices.first(where: { if $0 > page, case .size = d.fields[$0].role { true } else { false } })
        else { return nil }
        (self.page, self.offset, self.size) = (page, offset, size)
    }

    /// The bytes it names, cut at the end of the page; nil when it names no RAM or no byte.
    func range(_ f: Fields) -> ClosedRange<UInt64>? {
        guard f.int(page) >= 0, f.int(page) < GuestMemory.pageCount else { return nil }
        let pageStart = GuestMemory.phys(ofPage: f.int(page))
        let start = pageStart + min(f[offset], GuestMemory.pageSize - 1)
        let end = min(start + f[size], pageStart + GuestMemory.pageSize)
        return start < end ? start ... end - 1 : nil
    }

    /// Whether `a` and `b` name the same page and offset.
    func samePlace(_ a: Fields, _ b: Fields) -> Bool { a[page] == b[page] && a[offset] == b[offset] }

    /// The same operation naming the memory at `phys`; nil when that is not RAM.
    func placed(_ f: Fields, at phys: UInt64) -> Fields? {
        guard let p = GuestMemory.page(ofPhys: phys) else { return nil }
        var g = f
        g[page] = UInt64(p)
        g[offset] = phys & (GuestMemory.pageSize - 1)
        return g
    }
}

/// A write to memory that a later mapping's DMA buffer takes in (stale bytes planted in a free
/// bounce slot): the mapping that took it in, and how far into its buffer it lies. Written so,
/// the write follows the slot when deleting earlier operations moves it, as the page number
/// alone would not.
struct Anchor: Hashable {
    var mapping: Creator
    var delta: UInt64
}

extension Minimizer {
    /// A host write that lands wholly in a live mapping's DMA buffer is the same write as the
    /// device's through that mapping; written so, it no longer depends on where earlier
    /// operations put the slot, and the operations that only moved the slot there can go.
    func anchorHostWrites(_ ops: [GuestOperation]) -> [GuestOperation] {
        var runner = Runner(platform: platform, profile: profile, boot: boot)
        var out: [GuestOperation] = []
        for op in ops {
            var rewritten = op
            if case .hostWrite = op, let range = PagePlacement(op.described)?.range(op.fields) {
                for (h, m) in runner.system.mappings.enumerated() where m.live {
                    if let buffer = dmaBuffer(m), buffer.contains(range.lowerBound), buffer.contains(range.upperBound) {
                        let offset = UInt32(range.lowerBound - buffer.lowerBound)
                        rewritten = .deviceWrite(mapping: h, offset: offset, size: UInt32(range.count))
                        break
                    }
                }
            }
            out.append(rewritten)
            _ = runner.run(rewritten)
        }
        return out
    }

    /// Anchors each write by page to the first later mapping whose DMA buffer takes it in
    /// wholly. `placed` lists the writes not yet anchored.
    static func anchor(
        _ program: inout [AbstractOperation], placed: inout [(index: Int, range: ClosedRange<UInt64>)], to mapping: Creator,
        _ buffer: ClosedRange<UInt64>
    ) {
        placed.removeAll { write in
            guard buffer.contains(write.range.lowerBound), buffer.contains(write.range.upperBound) else { return false }
            program[write.index].anchor = Anchor(mapping: mapping, delta: write.range.lowerBound - buffer.lowerBound)
            return true
        }
    }

    /// Where each mapping an anchor names has its DMA buffer when `program` runs: a first pass,
    /// up to the last of them, with the anchored writes where they were.
    mutating func anchorBases(_ program: [AbstractOperation]) -> [Creator: UInt64] {
        var wanted = Set(program.compactMap { $0.anchor?.mapping })
        guard !wanted.isEmpty else { return [:] }
        runs += 1
        var replay = Replay(platform: platform, profile: profile, boot: boot)
        var bases: [Creator: UInt64] = [:]
        for a in program where !wanted.isEmpty {
            guard replay.step(a, a.template) != nil else { continue }
            for c in replay.madeNow where wanted.remove(c) != nil {
                if let h = replay.made[c], let buffer = dmaBuffer(replay.runner.system.mappings[h]) {
                    bases[c] = buffer.lowerBound
                }
            }
        }
        return bases
    }

    /// The operation an anchored write is in this run: at its mapping's buffer plus the delta.
    static func resolve(_ a: AbstractOperation, _ bases: [Creator: UInt64]) -> GuestOperation {
        guard let anchor = a.anchor, let base = bases[anchor.mapping], let placement = PagePlacement(a.template.described),
            let f = placement.placed(a.template.fields, at: base + anchor.delta)
        else { return a.template }
        return a.template.described.make(f)
    }
}

/// One run of an abstract program: resolves each reference to the handle its creator made in
/// this run and drops operations whose creators are gone.
struct Replay {
    var runner: Runner
    var made: [Creator: Int] = [:]
    /// What the last operation made.
    var madeNow: [Creator] = []

    init(platform: PlatformKind, profile: Profile, boot: SwiotlbBoot) { runner = Runner(platform: platform, profile: profile, boot: boot) }

    /// Runs `a` as `template` names its objects; nil when one of them was never made.
    mutating func step(_ a: AbstractOperation, _ template: GuestOperation) -> (GuestOperation, [Violation])? {
        madeNow.removeAll(keepingCapacity: true)
        var handles: [Int] = []
        for c in a.creators {
            guard let c, let h = made[c] else { return nil }
            handles.append(h)
        }
        let op = template.naming(handles)
        let before = HandleKind.allCases.map { $0.count(runner.guest) }
        let violations = runner.run(op)
        for kind in HandleKind.allCases {
            for (ordinal, h) in (before[kind.rawValue] ..< kind.count(runner.guest)).enumerated() {
                let c = Creator(step: a.step, kind: kind, ordinal: ordinal)
                made[c] = h
                madeNow.append(c)
            }
        }
        return (op, violations)
    }
}
