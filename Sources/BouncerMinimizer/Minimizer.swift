import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner

/// Shrinks a violating scenario while it keeps breaking the same invariant: truncate after the
/// violating step, delete chunks (large to small), drop operations whose objects are gone and
/// renumber the rest, simplify arguments towards the smallest values; to a fixed point.
/// Deterministic: the same input gives the same result.
public struct Minimizer {
    public let profile: Profile
    public let platform: PlatformKind
    /// The boot configuration every candidate runs with: the scenario's, never changed.
    public var boot: SwiotlbBoot = .standard
    public let invariant: InvariantID
    /// Candidate runs made, for the report.
    public private(set) var runs = 0

    public struct Outcome: Sendable {
        public var original: Scenario
        public var minimal: Scenario
        public var violation: Violation
        public var runs: Int
    }

    /// Minimises `scenario`; nil when it breaks no invariant under `profile`.
    public static func minimize(_ scenario: Scenario, profile: Profile) -> Outcome? {
        guard let v = Runner.run(scenario, profile: profile).firstViolation else { return nil }
        var m = Minimizer(profile: profile, platform: scenario.platform, invariant: v.invariant)
        m.boot = scenario.boot
        var ops = Array(scenario.operations.prefix(v.step + 1))
        var program = m.abstract(ops)
        var changed = true
        while changed {
            changed = false
            // Host writes anchored to mappings once they fit in one (simplification shrinks them).
            let anchored = m.anchorHostWrites(ops)
            if anchored != ops, m.keeps(m.abstract(anchored)) {
                program = m.abstract(anchored)
                changed = true
            }
            if m.deleteChunks(&program) { changed = true }
            if m.simplifyArguments(&program) { changed = true }
            ops = m.materialize(program).0
            program = m.abstract(ops)
        }
        let (minimal, violation) = m.materialize(program)
        return Outcome(
            original: scenario, minimal: Scenario(platform: scenario.platform, boot: scenario.boot, operations: minimal),
            violation: violation!, runs: m.runs)
    }

    /// A host write that lands wholly in a live mapping's DMA buffer (its bounce slot, or the
    /// buffer itself when mapped directly) is the same write as the device's through that
    /// mapping; written so, it no longer depends on where earlier operations put the slot, and the
    /// operations that only moved the slot there can go.
    func anchorHostWrites(_ ops: [GuestOperation]) -> [GuestOperation] {
        var runner = Runner(platform: platform, profile: profile, boot: boot)
        var out: [GuestOperation] = []
        for op in ops {
            var rewritten = op
            if case let .hostWrite(page, offset, size) = op, page < GuestMemory.pageCount {
                let start = GuestMemory.phys(ofPage: page) + UInt64(min(offset, 4095))
                let end = min(start + UInt64(size), GuestMemory.phys(ofPage: page) + GuestMemory.pageSize)
                let s = runner.system
                for (h, m) in s.mappings.enumerated() where m.live && !m.attrs.contains(.mmio) {
                    let base = m.bouncePool != nil ? m.tlbAddress : m.phys
                    if start >= base, end <= base + UInt64(m.size), start < end {
                        rewritten = .deviceWrite(mapping: h, offset: UInt32(start - base), size: UInt32(end - start))
                        break
                    }
                }
            }
            out.append(rewritten)
            _ = runner.run(rewritten)
        }
        return out
    }

    /// Runs the original once, recording who created each handle, and rewrites references.
    func abstract(_ ops: [GuestOperation]) -> [AbstractOperation] {
        var runner = Runner(platform: platform, profile: profile, boot: boot)
        var creators: [HandleKind: [Int: Creator]] = [:]
        var out: [AbstractOperation] = []
        for (i, op) in ops.enumerated() {
            let refs = op.references.map { creators[$0.0]?[$0.1] }
            out.append(AbstractOperation(step: i, template: op, creators: refs))
            let before = HandleKind.allCases.map { $0.count(runner.guest) }
            _ = runner.run(op)
            for kind in HandleKind.allCases {
                for (ordinal, h) in (before[kind.rawValue] ..< kind.count(runner.guest)).enumerated() {
                    creators[kind, default: [:]][h] = Creator(step: i, kind: kind, ordinal: ordinal)
                }
            }
        }
        return out
    }

    /// Runs an abstract program: resolves each reference to the handle its creator made in this
    /// run, dropping operations whose creators are gone. Returns the concrete operations that ran
    /// up to the first violation, and that violation if it is the one being kept.
    mutating func materialize(_ program: [AbstractOperation]) -> ([GuestOperation], Violation?) {
        runs += 1
        var runner = Runner(platform: platform, profile: profile, boot: boot)
        var made: [Creator: Int] = [:]
        var ops: [GuestOperation] = []
        for a in program {
            var handles: [Int] = []
            for c in a.creators {
                guard let c, let h = made[c] else { break }
                handles.append(h)
            }
            guard handles.count == a.creators.count else { continue }
            let op = a.template.naming(handles)
            let before = HandleKind.allCases.map { $0.count(runner.guest) }
            let violations = runner.run(op)
            ops.append(op)
            for kind in HandleKind.allCases {
                for (ordinal, h) in (before[kind.rawValue] ..< kind.count(runner.guest)).enumerated() {
                    made[Creator(step: a.step, kind: kind, ordinal: ordinal)] = h
                }
            }
            if let first = violations.first {
                return (ops, first.invariant == invariant ? first : nil)
            }
        }
        let end = runner.finish()
        return (ops, end.first?.invariant == invariant ? end.first : nil)
    }

    mutating func keeps(_ program: [AbstractOperation]) -> Bool { materialize(program).1 != nil }

    /// Deletes chunks of operations, large to small (pairs always among them), while the
    /// invariant still breaks.
    mutating func deleteChunks(_ program: inout [AbstractOperation]) -> Bool {
        var changed = false
        var size = max(1, program.count / 2)
        while size >= 1 {
            var start = 0
            while start < program.count {
                var candidate = program
                candidate.removeSubrange(start ..< min(start + size, program.count))
                if keeps(candidate) {
                    program = candidate
                    changed = true
                } else if size == 1, let lowered = Self.lowerIds(candidate, from: start), keeps(lowered) {
                    program = lowered
                    changed = true
                } else {
                    // Small chunks slide one operation at a time: a post and the host's answer
                    // to it go together wherever they sit.
                    start += size <= 2 ? 1 : size
                }
            }
            size = size > 2 && size / 2 < 2 ? 2 : size / 2
        }
        return changed
    }

    /// The program with every host-chosen id after `index` one lower (never below the first):
    /// deleting what the guest posted moves later posts down a position, so the host's id for
    /// one of them must follow (a virtio used id, a VMBus request id). Nil when no id changes.
    static func lowerIds(_ program: [AbstractOperation], from index: Int) -> [AbstractOperation]? {
        var out = program
        var lowered = false
        for j in out.indices where j >= index {
            let d = out[j].template.described
            var f = d.read(out[j].template)!
            for (i, field) in d.fields.enumerated() {
                guard case .id(let first) = field.role, f[i] > first else { continue }
                f[i] -= 1
                lowered = true
            }
            out[j].template = d.make(f)
        }
        return lowered ? out : nil
    }

    /// Tries simpler arguments for each operation, smallest first; keeps the first that still
    /// breaks the invariant.
    mutating func simplifyArguments(_ program: inout [AbstractOperation]) -> Bool {
        var changed = false
        for i in program.indices {
            for simpler in Simplify.candidates(program[i].template) where simpler.operation != program[i].template {
                var candidate = program
                candidate[i].template = simpler.operation
                if let dropped = simpler.droppedReference { candidate[i].creators.remove(at: dropped) }
                if keeps(candidate) {
                    program = candidate
                    changed = true
                    break
                }
            }
        }
        return changed
    }
}
