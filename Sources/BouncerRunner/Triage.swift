import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerTransports

/// Running past known findings. A violation that matches a known finding (`KnownFindings`) is
/// recorded and the run goes on, so what comes after it is still explored; the first violation
/// that matches none ends the run, as any violation did before. Strict runs stop at the first
/// violation of any kind. The oracle judges each step's events, so a known violation at one step
/// does not repeat at the next; the end-of-run scan of private bytes may find the bytes a known
/// finding exposed again, and counts as that finding there (`KnownHits.exposure`).
///
/// A driver that breaks the DMA API's contract (an address outside the mapping it names, which
/// only the by-address operations can express) takes the rest of the run out of what is judged:
/// what follows is the driver's bug, not the kernel's, and `CONFIG_DMA_API_DEBUG` is what catches
/// it. `run` still reports it, so tests and replays see what the kernel does with such an address.
extension Runner {
    /// Runs one operation; records the known violations of the step in `hits` and returns the
    /// first that is not known (strict: the first of all), or nil.
    public mutating func runPastKnown(
        _ op: GuestOperation, strict: Bool, _ hits: inout KnownHits, table: [KnownFinding]? = nil
    ) -> Violation? {
        if !driverBrokeContract, op.breaksDriverContract(system) { driverBrokeContract = true }
        let violations = run(op)
        return judgePastKnown(violations, op.kind, strict: strict, &hits, table)
    }

    /// The same for an operation whose kind the caller already has (the decoder read it): the
    /// operation is handed on to the model, which ends it, rather than kept for its kind, which
    /// `GuestOperation.kind` finds by asking every description. Inlined into the harness's loop
    /// by hand, as `applyStep` is: left to the optimiser it went out of line once the kind test
    /// came in (the commit that inlined it has the callgrind figure).
    @inline(__always) mutating func runPastKnown(_ op: consuming GuestOperation, kind: OperationKind, strict: Bool, _ hits: inout KnownHits) -> Violation? {
        if !driverBrokeContract, addressKinds & 1 << UInt64(kind.rawValue) != 0, op.breaksDriverContract(system) {
            driverBrokeContract = true
        }
        // The step runs before the judging call begins: inside its arguments it would copy the runner.
        guard applyStep(op, kind: kind) else { return nil }
        let violations = checkStep()
        return judgePastKnown(violations, kind, strict: strict, &hits, nil)
    }

    /// A step's violations past known findings; the kind is asked for only when there are some.
    func judgePastKnown(
        _ violations: [Violation], _ kind: @autoclosure () -> OperationKind, strict: Bool, _ hits: inout KnownHits,
        _ table: [KnownFinding]?
    ) -> Violation? {
        if violations.isEmpty || driverBrokeContract { return nil }
        return Runner.sort(violations, platform: system.platform.kind, operation: kind(), strict: strict, &hits, table)
    }

    /// The end-of-run accounting, sorted the same way: it matches no known finding, except where
    /// it finds again the bytes a known finding exposed.
    public func finishPastKnown(strict: Bool, _ hits: inout KnownHits, table: [KnownFinding]? = nil) -> Violation? {
        if driverBrokeContract { return nil }
        let violations = finish()
        if violations.isEmpty { return nil }
        return Runner.sort(violations, platform: system.platform.kind, operation: nil, strict: strict, &hits, table)
    }

    static func sort(
        _ violations: [Violation], platform: PlatformKind, operation: OperationKind?, strict: Bool,
        _ hits: inout KnownHits, _ table: [KnownFinding]?
    ) -> Violation? {
        let table = table ?? KnownFindings.all
        var new: Violation?
        for v in violations {
            if let i = KnownFindings.match(v, platform: platform, operation: operation, in: table) ?? hits.exposure(of: v, table) {
                hits.record(i, v)
                if strict, new == nil { new = v }
            } else if new == nil {
                new = v
            }
        }
        return new
    }

    /// The fuzz harness's path (`firstViolation(_:booted:)`) past known findings. The guest and
    /// oracle are handed over, not borrowed: the runner takes them without copying them again.
    static func firstNewViolation(
        _ decoder: inout ScenarioDecoder, booted: consuming Guest, oracle: consuming Oracle, strict: Bool, _ hits: inout KnownHits
    ) -> Violation? {
        var runner = Runner(booted: booted, oracle: oracle)
        while let (kind, op) = decoder.nextOperation() {
            if let v = runner.runPastKnown(op, kind: kind, strict: strict, &hits) { return v }
        }
        return runner.finishPastKnown(strict: strict, &hits)
    }

    /// A scenario past known findings: the known findings it meets and the first new violation.
    public static func runPastKnown(
        _ scenario: Scenario, profile: Profile, strict: Bool = false, tracing: Bool = false,
        table: [KnownFinding] = KnownFindings.all
    ) -> KnownRun {
        var runner = Runner(platform: scenario.platform, profile: profile, boot: scenario.boot, tracing: tracing)
        var hits = KnownHits(count: table.count)
        for op in scenario.operations {
            if let v = runner.runPastKnown(op, strict: strict, &hits, table: table) {
                return KnownRun(new: v, known: hits, steps: runner.step, trace: runner.trace)
            }
        }
        let v = runner.finishPastKnown(strict: strict, &hits, table: table)
        return KnownRun(new: v, known: hits, steps: runner.step, trace: runner.trace)
    }
}

/// What a run past known findings met.
public struct KnownRun: Sendable {
    /// The first violation that is no known finding (strict: the first violation), or nil.
    public var new: Violation?
    public var known: KnownHits
    public var steps: Int
    public var trace: [String]
}

extension BootedGuests {
    /// `firstViolation(_:)` past known findings.
    public mutating func firstNewViolation(_ decoder: inout ScenarioDecoder, strict: Bool, _ hits: inout KnownHits) -> Violation? {
        let s = boot(decoder.platformIndex, decoder.platform, decoder.bootIndex)
        return Runner.firstNewViolation(&decoder, booted: guests[s], oracle: oracles[s], strict: strict, &hits)
    }
}

extension RandomExplorer {
    /// `explore` past known findings: random operations until `length` or the first violation
    /// that is not known; what the run met and the scenario that ran (its boot and operations).
    public static func explorePastKnown(
        seed: UInt64, platform: PlatformKind, length: Int, profile: Profile, transports: Bool = false, strict: Bool = false
    ) -> (KnownRun, Scenario) {
        var explorer = RandomExplorer(seed: seed, transports: transports)
        var runner = Runner(platform: platform, profile: profile, boot: explorer.boot)
        var hits = KnownHits()
        var ops: [GuestOperation] = []
        ops.reserveCapacity(length)
        for _ in 0 ..< length {
            let op = explorer.next(runner.guest)
            ops.append(op)
            if let v = runner.runPastKnown(op, strict: strict, &hits) {
                return (KnownRun(new: v, known: hits, steps: runner.step, trace: []), explorer.scenario(platform, ops))
            }
        }
        let new = runner.finishPastKnown(strict: strict, &hits)
        return (KnownRun(new: new, known: hits, steps: runner.step, trace: []), explorer.scenario(platform, ops))
    }
}

extension OperationKind {
    /// The kinds whose operations pass the DMA API an address rather than a mapping's handle, the
    /// only ones that can break the driver's contract (`GuestOperation.breaksDriverContract`), one
    /// bit each: a test of the kind the decoder read spares every other step the switch over the
    /// operation. Found by asking `passedAddress` of an operation of each kind (made from zero
    /// fields), so the kinds are listed once, there.
    static let addressKinds = mask { $0.make(Fields()).passedAddress != nil }
}

extension GuestOperation {
    /// What a by-address operation passes: the mapping it names, the distance of its address from
    /// the one the map returned, and for a sync the offset of its range into the mapping
    /// (`dma_sync_single_range_*()`); nil for every other operation.
    var passedAddress: (mapping: Int, delta: UInt64, rangeOffset: UInt32?)? {
        switch self {
        case let .unmapByAddress(m, delta, _): (m, delta, nil)
        case let .syncForCpuByAddress(m, delta, offset, _), let .syncForDeviceByAddress(m, delta, offset, _): (m, delta, offset)
        default: nil
        }
    }

    /// The driver passes an address outside the mapping it names: `dma_unmap_*()` at anything but
    /// the address the map returned, or a sync at an address past the mapping (a sync inside it,
    /// at an offset, is the API's own `dma_sync_single_range_*()`).
    func breaksDriverContract(_ s: DmaLayer) -> Bool {
        guard let (m, delta, rangeOffset) = passedAddress, m < s.mappings.count, s.mappings[m].live else { return false }
        guard let offset = rangeOffset else { return delta != 0 }
        guard s.mappings[m].size > 0 else { return false }
        return delta &+ UInt64(offset % s.mappings[m].size) >= UInt64(s.mappings[m].size)
    }
}
