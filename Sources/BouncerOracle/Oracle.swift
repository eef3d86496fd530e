import BouncerModel
import BouncerPolicy

/// Checks every invariant after every step.
///
/// The checks are grouped by family (`ConfidentialityChecks`, `HostInputChecks`,
/// `IntegrityChecks`, `LifecycleChecks`), each a function of an event and the state after the step
/// that returns its violation. Most read the events the step recorded (what was handed to which
/// device, which pool served what, what `swiotlb_bounce()` copied); the rest scan state. Apart
/// from the checks, the `OwnershipShadow` keeps what each mapping's owner may expect under the
/// DMA API's ownership rules.
public struct Oracle: Sendable {
    var shadow = OwnershipShadow()
    /// Who holds each page, from the events (`PageConservation`).
    var ledger = PageLedger()
    /// Each page's encryption state, from the conversion events (`AliasChecks`).
    var pageStates = PageStateShadow()

    /// An oracle without a boot to start from: every check but page conservation and CONF-ALIAS.
    public init() {}

    /// An oracle for a run from this booted guest: its ledger of pages and its page states start
    /// from the boot (the default swiotlb pool, the atomic pools, what the transports set up) and
    /// follow the events.
    public init(booted system: DmaLayer) {
        ledger = PageLedger(system.memory.owners)
        pageStates = PageStateShadow(system.memory.states)
    }

    /// Whether `check` has anything to judge: every check is driven by the step's events, and
    /// most steps record none (an operation on a handle that names nothing). Inlined, the test is
    /// a load where the call to `check` copies the whole `DmaLayer` to pass it, so a caller asks
    /// first.
    @inlinable public static func hasWork(_ system: DmaLayer) -> Bool { !system.events.isEmpty }

    /// All violations of the step just run, in invariant-check order; empty when clean.
    ///
    /// One pass over the step's events: each event goes to the checks of the families that judge
    /// its kind (in the families' order: confidentiality, host input, integrity, slots, aliases,
    /// pool pages), then the shadow learns from it, and the page ledger from each page move (a
    /// wrong move is reported with the event checks). A step records about five events and each is
    /// judged by one or two checks, so the dispatch is by kind here rather than every check asked
    /// of every event: a check's `Violation?` goes through the runtime to be destroyed, even nil.
    /// The state checks (freed pages, private bytes touched, releases) keep the first violation
    /// each, reported after the event checks' in that order; then, where pages moved, the first of
    /// them no live holder accounts for.
    public mutating func check(_ system: DmaLayer, step: Int) -> [Violation] {
        guard Oracle.hasWork(system) else { return [] }
        var found: [Violation] = []
        // The event at which each state check first found a violation. Indices, not optional
        // violations: those are copied and destroyed through the runtime on every event, and a
        // check is a function of the event and the state after the step, so it is asked again.
        var freedAt: Int?, touchedAt: Int?, releasedAt: Int?
        // The step's page moves; the first wrong one is reported at once.
        var moves = StepMoves()
        let confidential = system.platform.confidential
        let events = system.events
        // A plain loop: a `for` over the indices went through the range's iterator.
        var i = -1
        while i + 1 < events.count {
            i += 1
            // Read once: each `events[i]` is a bounds check and a copy of the event.
            let event = events[i]
            switch event {
            case .handedOut:
                if confidential, let v = ConfidentialityChecks.check(event, system, step, events) { found.append(v) }
                if let v = IntegrityChecks.check(event, shadow, system, step) { found.append(v) }
                if let v = SlotChecks.check(event, system, step) { found.append(v) }
            case .poolServed, .conversionExposed:
                if confidential, let v = ConfidentialityChecks.check(event, system, step, events) { found.append(v) }
            case .bounced:
                if let v = HostInputChecks.check(event, system, step) { found.append(v) }
                if confidential, touchedAt == nil, case .some = ConfidentialityChecks.privateBytesTouched(event, system, step) { touchedAt = i }
            case .driverCopied, .sharedFieldFetched:
                if let v = HostInputChecks.check(event, system, step) { found.append(v) }
            case .syncedForCpu:
                if let v = IntegrityChecks.check(event, shadow, system, step) { found.append(v) }
            case .unmapped:
                if let v = IntegrityChecks.check(event, shadow, system, step) { found.append(v) }
                shadow.observe(event, system)
                if releasedAt == nil, case .some = LifecycleChecks.release(event, system, step) { releasedAt = i }
            case .cpuAccessed:
                if confidential, let v = AliasChecks.check(event, pageStates, system, step) { found.append(v) }
            case .mapped, .hostWrote, .syncedForDevice:
                shadow.observe(event, system)
            case .cpuWrote:
                shadow.observe(event, system)
                if confidential, touchedAt == nil, case .some = ConfidentialityChecks.privateBytesTouched(event, system, step) { touchedAt = i }
            case .converted:
                if confidential, touchedAt == nil, case .some = ConfidentialityChecks.privateBytesTouched(event, system, step) { touchedAt = i }
                pageStates.observe(event)
            case let .freed(pages):
                if let v = PoolPageChecks.check(event, system, step) { found.append(v) }
                if confidential, freedAt == nil, case .some = ConfidentialityChecks.freedPage(event, system, step) { freedAt = i }
                observeMove(event, pages.rawRange, .free, taken: false, i, step, &found, &moves)
            case let .pagesTaken(pages, owner):
                observeMove(event, pages.rawRange, owner, taken: true, i, step, &found, &moves)
            case let .leaked(pages, reason):
                observeMove(event, pages.rawRange, .leaked(reason), taken: false, i, step, &found, &moves)
            case .bufferFreed, .coherentFreed, .scatterlistFailed:
                if releasedAt == nil, case .some = LifecycleChecks.release(event, system, step) { releasedAt = i }
            }
        }
        if let i = freedAt, let v = ConfidentialityChecks.freedPage(events[i], system, step) { found.append(v) }
        if let i = touchedAt, let v = ConfidentialityChecks.privateBytesTouched(events[i], system, step) { found.append(v) }
        if let i = releasedAt, let v = LifecycleChecks.release(events[i], system, step) { found.append(v) }
        // Where pages moved, once the ledger has the whole step: each is where it should be.
        if !moves.judged, moves.count > 0, let page = firstUnnamedPage(moves, events, system) {
            found.append(PageConservation.unnamedViolation(page, ledger, system, step))
        }
        return found
    }

    /// The page moves of one step, as the router meets them: the events they lie among, and the
    /// pages of the first two (most steps move pages once or twice), so that the check after the
    /// step need not read those events again; and whether a wrong move was reported.
    struct StepMoves {
        var first = Int.max, last = -1, count = 0
        var pages = (0 ..< 0, 0 ..< 0)
        var judged = false

        mutating func record(_ i: Int, _ moved: Range<Int>) {
            if count == 0 { (first, pages.0) = (i, moved) } else if count == 1 { pages.1 = moved }
            last = i
            count += 1
        }
    }

    /// The first page the step's moves, in order, left with no live holder accounting for it:
    /// the first two moves' pages as the router kept them, any more read from their events.
    /// Inlined: out of line, the call and its arguments cost more than the events it spares.
    @inline(__always) func firstUnnamedPage(_ moves: StepMoves, _ events: [Event], _ system: DmaLayer) -> Int? {
        if moves.count <= 2 {
            if let page = PageConservation.firstUnnamed(moves.pages.0, ledger, system) { return page }
            return moves.count == 2 ? PageConservation.firstUnnamed(moves.pages.1, ledger, system) : nil
        }
        var i = moves.first
        while i <= moves.last {
            if let pages = events[i].movedPages, let page = PageConservation.firstUnnamed(pages, ledger, system) { return page }
            i += 1
        }
        return nil
    }

    /// The ledger learns a page move (with a seeded ledger), the `i`th event of the step, `pages`
    /// to `owner` as the router read them from the event; the first wrong move of the step is
    /// reported with the event checks: a wrong move is rare, and no optional violation is carried
    /// through the loop for it.
    mutating func observeMove(
        _ event: Event, _ pages: Range<Int>, _ owner: PageOwner, taken: Bool, _ i: Int, _ step: Int, _ found: inout [Violation],
        _ moves: inout StepMoves
    ) {
        guard ledger.seeded else { return }
        moves.record(i, pages)
        if let bad = ledger.move(pages, to: owner, taken: taken), !moves.judged {
            found.append(PageConservation.move(event, bad.page, before: bad.before, step))
            moves.judged = true
        }
    }

    /// CONF-PRIVATE and SAFE-LIFECYCLE over the whole system: no undisclosed byte on a page the
    /// host can see, every page and slot in use belongs to a live object, every page of memory is
    /// accounted for (free, held by a live object that holds it, or leaked with a reason), and
    /// every live mapping is one the driver holds. The per-step checks look only at what each step touched or
    /// released; this is the full accounting, for the end of a run (after teardown).
    public func checkAccounting(_ system: DmaLayer, step: Int) -> [Violation] {
        // Appended one by one: an array literal of the three optionals was an allocation a run.
        var found: [Violation] = []
        if let v = ConfidentialityChecks.privateBytes(system, step) { found.append(v) }
        if let v = LifecycleChecks.accounting(system, step) { found.append(v) }
        if let v = PageConservation.accounting(ledger, system, step) { found.append(v) }
        return found
    }
}
