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
    public let boot: SwiotlbBoot
    public let invariant: InvariantID
    /// Runs of the model made (the first pass that places anchored writes counts), for the report.
    public internal(set) var runs = 0

    public struct Outcome: Sendable {
        public var original: Scenario
        public var minimal: Scenario
        public var violation: Violation
        public var runs: Int
    }

    /// Minimises `scenario`; nil when it breaks no invariant under `profile`.
    public static func minimize(_ scenario: Scenario, profile: Profile) -> Outcome? {
        guard let v = Runner.run(scenario, profile: profile).firstViolation else { return nil }
        var m = Minimizer(profile: profile, platform: scenario.platform, boot: scenario.boot, invariant: v.invariant)
        var ops = Array(scenario.operations.prefix(v.step + 1))
        // The cheap moves first, with writes by page left where they are; anchoring them to the
        // mapping that takes them in costs a second run of the model for each candidate.
        var anchoring = false
        var program = m.abstract(ops, anchoring: anchoring)
        // Every move makes the input shorter or its arguments simpler, but an anchored write
        // can change anchor as earlier operations go: a program seen before ends the search.
        var seen: Set<[GuestOperation]> = [ops]
        while true {
            var changed = true
            while changed {
                changed = false
                // Host writes anchored to mappings once they fit in one (simplification shrinks them).
                let anchored = m.anchorHostWrites(ops)
                if anchored != ops {
                    let candidate = m.abstract(anchored, anchoring: anchoring)
                    if m.keeps(candidate) {
                        program = candidate
                        changed = true
                    }
                }
                if m.deleteChunks(&program) { changed = true }
                if m.simplifyArguments(&program) { changed = true }
                ops = m.materialize(program).0
                program = m.abstract(ops, anchoring: anchoring)
                if changed, !seen.insert(ops).inserted { break }
            }
            // At a local minimum of the moves above, the dearer ones: writes by page follow the
            // mapping that takes them in (a second run of the model for each candidate), then
            // one object for two.
            if !anchoring {
                anchoring = true
                program = m.abstract(ops, anchoring: anchoring)
                if program.contains(where: { $0.anchor != nil }) { continue }
            }
            guard m.mergeObjects(&program) else { break }
            ops = m.materialize(program).0
            program = m.abstract(ops, anchoring: anchoring)
            seen.insert(ops)
        }
        let (minimal, violation) = m.materialize(program)
        return Outcome(
            original: scenario, minimal: Scenario(platform: scenario.platform, boot: scenario.boot, operations: minimal),
            violation: violation!, runs: m.runs)
    }

    /// Runs the original once, recording who created each handle, and rewrites references; with
    /// `anchoring`, a write by page that a later mapping takes in is anchored to that mapping.
    func abstract(_ ops: [GuestOperation], anchoring: Bool) -> [AbstractOperation] {
        var runner = Runner(platform: platform, profile: profile, boot: boot)
        var creators: [HandleKind: [Int: Creator]] = [:]
        var out: [AbstractOperation] = []
        var placed: [(index: Int, range: ClosedRange<UInt64>)] = []
        for (i, op) in ops.enumerated() {
            let refs = op.references.map { creators[$0.0]?[$0.1] }
            out.append(AbstractOperation(step: i, template: op, creators: refs))
            if anchoring, let range = PagePlacement(op.described)?.range(op.fields) { placed.append((i, range)) }
            let before = HandleKind.allCases.map { $0.count(runner.guest) }
            _ = runner.run(op)
            for kind in HandleKind.allCases {
                for (ordinal, h) in (before[kind.rawValue] ..< kind.count(runner.guest)).enumerated() {
                    let c = Creator(step: i, kind: kind, ordinal: ordinal)
                    creators[kind, default: [:]][h] = c
                    out[i].creates.append(c)
                    if kind == .mapping, !placed.isEmpty, let buffer = dmaBuffer(runner.system.mappings[h]) {
                        Self.anchor(&out, placed: &placed, to: c, buffer)
                    }
                }
            }
        }
        return out
    }

    /// Runs an abstract program: resolves each reference to the handle its creator made in this
    /// run, dropping operations whose creators are gone, and puts each anchored write where its
    /// mapping is now. Returns the concrete operations that ran up to the first violation, and
    /// that violation if it is the one being kept.
    mutating func materialize(_ program: [AbstractOperation]) -> ([GuestOperation], Violation?) {
        let bases = anchorBases(program)
        runs += 1
        var replay = Replay(platform: platform, profile: profile, boot: boot)
        var ops: [GuestOperation] = []
        for a in program {
            guard let (op, violations) = replay.step(a, Self.resolve(a, bases)) else { continue }
            ops.append(op)
            if let first = violations.first {
                return (ops, first.invariant == invariant ? first : nil)
            }
        }
        let end = replay.runner.finish()
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
            // An anchored write, to the start of its mapping's buffer.
            if let anchor = program[i].anchor, anchor.delta != 0 {
                var candidate = program
                candidate[i].anchor!.delta = 0
                if keeps(candidate) {
                    program = candidate
                    changed = true
                }
            }
            // Where an anchored write lands is its anchor's to say.
            let placement = program[i].anchor == nil ? nil : PagePlacement(program[i].template.described)
            for simpler in Simplify.candidates(program[i].template) where simpler.operation != program[i].template {
                if let placement, !placement.samePlace(simpler.operation.fields, program[i].template.fields) { continue }
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
