import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerTransports

/// The outcome of running a scenario: its trace, if asked for, and the first violation.
public struct RunResult: Sendable {
    /// One readable line per step that ran.
    public var trace: [String]
    /// The violations found at the first step that broke an invariant; empty when clean.
    public var violations: [Violation]
    /// Steps applied (up to and including the violating one).
    public var steps: Int

    public var firstViolation: Violation? { violations.first }
}

/// Applies operations to a fresh system under a profile, checking the oracle after every step.
public struct Runner: Sendable {
    public private(set) var guest: Guest
    public var system: DmaLayer { guest.system }
    public private(set) var oracle: Oracle
    public private(set) var step = 0
    let tracing: Bool
    public private(set) var trace: [String] = []
    /// What the last operation did (the differential runner mirrors only what the model ran).
    public private(set) var lastOutcome: StepOutcome = .skipped
    /// A step broke the driver's side of the DMA API (`GuestOperation.breaksDriverContract`); runs past
    /// known findings judge nothing after it.
    public internal(set) var driverBrokeContract = false
    /// Nothing in the guest belongs to a transport yet (`Guest.transportFree`) and every step so
    /// far came with its kind, none a transport's: a DMA-layer step may go straight to the DMA
    /// layer (`run(_:kind:)`).
    var transportFree: Bool
    /// `OperationKind.transportKinds`, read once per run rather than through its lazy global per step.
    let transportKinds = OperationKind.transportKinds
    /// `OperationKind.addressKinds`, the same way.
    let addressKinds = OperationKind.addressKinds

    /// From a fresh boot: a copy of the process's boot of this configuration (`BootCache`), with
    /// an oracle seeded from it, which is what booting here would make.
    public init(platform: PlatformKind, profile: Profile, boot: SwiotlbBoot = .standard, tracing: Bool = false) {
        let (guest, oracle) = BootCache.shared.booted(platform, profile.behaviours, boot)
        self.init(booted: guest, oracle: oracle, tracing: tracing)
    }

    /// Starts from a guest already booted: a copy of one kept by the caller, so a fuzz harness
    /// boots each platform once rather than once per input (the guest is a value).
    public init(booted: Guest, tracing: Bool = false) {
        self.init(booted: booted, oracle: Oracle(booted: booted.system), tracing: tracing)
    }

    /// Starts from a booted guest and an oracle made for that boot (`Oracle(booted:)`), both kept
    /// by the caller, so a fuzz harness seeds the oracle's page ledger once per platform.
    public init(booted: Guest, oracle: Oracle, tracing: Bool = false) {
        guest = booted
        self.oracle = oracle
        self.tracing = tracing
        transportFree = booted.transportFree
    }

    /// Applies one operation and checks it; returns its violations (empty when clean).
    public mutating func run(_ op: consuming GuestOperation) -> [Violation] {
        // Its kind is not at hand, so it may be a transport's.
        transportFree = false
        return step(op, dmaLayerOnly: false)
    }

    /// The same for an operation whose kind the caller has (the decoder read it). While no
    /// transport has run, `Guest.apply`'s transport guards all pass, so a DMA-layer operation goes
    /// to `DmaLayer.applyDma` directly and is unpacked once rather than twice. The decoder's
    /// handles are never negative, which `Guest.apply` would otherwise check.
    mutating func run(_ op: consuming GuestOperation, kind: OperationKind) -> [Violation] {
        applyStep(op, kind: kind) ? checkStep() : []
    }

    /// `run(_:kind:)` without the oracle's check: whether the oracle has anything to check.
    @inline(__always) mutating func applyStep(_ op: consuming GuestOperation, kind: OperationKind) -> Bool {
        if transportKinds & 1 << UInt64(kind.rawValue) != 0 { transportFree = false }
        return applyStep(op, dmaLayerOnly: transportFree)
    }

    mutating func step(_ op: consuming GuestOperation, dmaLayerOnly: Bool) -> [Violation] {
        applyStep(op, dmaLayerOnly: dmaLayerOnly) ? checkStep() : []
    }

    /// One step applied, its trace line written: whether the oracle has anything to check
    /// (`checkStep()`). A step with nothing to check is clean without an array of violations.
    /// Inlined into the harness's loop by hand: left to the optimiser, this or its caller went out
    /// of line and the harness ran more instructions (commit 0473d30 has the measurement).
    @inline(__always) mutating func applyStep(_ op: consuming GuestOperation, dmaLayerOnly: Bool) -> Bool {
        guest.beginStep()
        // The operation is handed on to `apply`, which ends it case by case; only a traced run
        // keeps a copy for its line.
        let traced = tracing ? copy op : nil
        let outcome = dmaLayerOnly ? guest.system.applyDma(op) : guest.apply(op)
        lastOutcome = outcome
        if let traced { trace.append(TraceLine.render(step: step, traced, outcome, guest.system)) }
        step += 1
        return Oracle.hasWork(guest.system)
    }

    /// The oracle's check of the step just applied.
    mutating func checkStep() -> [Violation] { oracle.check(guest.system, step: step - 1) }

    /// Runs a whole scenario, stopping at the first step that breaks an invariant.
    public static func run(_ scenario: Scenario, profile: Profile, tracing: Bool = false) -> RunResult {
        run(scenario, Runner(platform: scenario.platform, profile: profile, boot: scenario.boot, tracing: tracing))
    }

    /// Runs a scenario from a booted guest of its platform and profile.
    public static func run(_ scenario: Scenario, booted: Guest, tracing: Bool = false) -> RunResult {
        run(scenario, Runner(booted: booted, tracing: tracing))
    }

    private static func run(_ scenario: Scenario, _ start: consuming Runner) -> RunResult {
        var runner = start
        for op in scenario.operations {
            let violations = runner.run(op)
            if !violations.isEmpty {
                return RunResult(trace: runner.trace, violations: violations, steps: runner.step)
            }
        }
        return RunResult(trace: runner.trace, violations: runner.finish(), steps: runner.step)
    }

    /// Runs operations as a decoder reads them, from a booted guest of the decoder's platform,
    /// and returns the first violation: the fuzz harness's path, which never holds the whole
    /// sequence. Same steps, same verdict as `run(_:booted:)` on the decoded scenario.
    public static func firstViolation(_ decoder: inout ScenarioDecoder, booted: Guest, oracle: Oracle? = nil) -> Violation? {
        var runner = Runner(booted: booted, oracle: oracle ?? Oracle(booted: booted.system))
        while let (kind, op) = decoder.nextOperation() {
            if let v = runner.run(op, kind: kind).first { return v }
        }
        return runner.finish().first
    }

    /// The end-of-run accounting: every page, slot and mapping still in use belongs to a live
    /// object. Reported against the last step.
    public func finish() -> [Violation] {
        oracle.checkAccounting(system, step: max(step - 1, 0))
    }
}

/// One booted guest per platform and boot configuration under one profile, booted on first use:
/// the fuzz harness and the random tester copy it for every input instead of booting again.
public struct BootedGuests: Sendable {
    let behaviours: Behaviours
    /// The guests booted so far, and an oracle for each, its page ledger seeded from that boot.
    /// Plain arrays rather than optionals per platform: unwrapping an optional guest copies it,
    /// and comparing one with nil copies and destroys it, once per input.
    var guests: [Guest] = []
    var oracles: [Oracle] = []
    /// Per platform (`PlatformKind.allCases`) and boot (`SwiotlbBoot.all`), platform-major, where
    /// its guest is in `guests`; -1 until booted.
    var slots = [Int](repeating: -1, count: PlatformKind.allCases.count * SwiotlbBoot.all.count)

    public init(profile: Profile) { behaviours = profile.behaviours }

    /// Runs a decoder's operations from the booted guest of its platform (`Runner.firstViolation`).
    public mutating func firstViolation(_ decoder: inout ScenarioDecoder) -> Violation? {
        let s = boot(decoder.platformIndex, decoder.platform, decoder.bootIndex)
        return Runner.firstViolation(&decoder, booted: guests[s], oracle: oracles[s])
    }

    /// Where the guest of platform `p` and boot `b` (`SwiotlbBoot.all`) is, booted now if this is
    /// its first input.
    mutating func boot(_ p: Int, _ platform: PlatformKind, _ b: Int = 0) -> Int {
        let i = p * SwiotlbBoot.all.count + b
        if slots[i] < 0 {
            slots[i] = guests.count
            guests.append(Guest(platform: platform, behaviours: behaviours, boot: SwiotlbBoot.all[b]))
            oracles.append(Oracle(booted: guests[slots[i]].system))
        }
        return slots[i]
    }
}
