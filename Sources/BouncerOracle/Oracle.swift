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

    /// An oracle without a boot to start from: every check but page conservation.
    public init() {}

    /// An oracle for a run from this booted guest: its ledger of pages starts from the boot (the
    /// default swiotlb pool, the atomic pools, what the transports set up) and follows the events.
    public init(booted system: DmaLayer) { ledger = PageLedger(system.memory.owners) }

    /// All violations of the step just run, in invariant-check order; empty when clean.
    ///
    /// One pass over the step's events: each event is judged by the family that checks it, then
    /// the shadow learns from it, and the page ledger from each page move (a wrong move is
    /// reported with the event checks). The state checks (freed pages, private bytes touched,
    /// releases) keep the first violation each, reported after the event checks' in that order;
    /// then, where pages moved, the first of them no live holder accounts for.
    public mutating func check(_ system: DmaLayer, step: Int) -> [Violation] {
        var found: [Violation] = []
        var freed: Violation?, touched: Violation?, released: Violation?
        var pagesMoved = false, moveJudged = false
        let confidential = system.platform.confidential
        // Pages the step freed or leaked, gathered once: most steps release none.
        let releasedPages: [Range<PageNumber>] = system.events.compactMap { event in
            switch event {
            case .freed(let pages), .leaked(let pages, _): pages
            default: nil
            }
        }
        for event in system.events {
            if let v = ConfidentialityChecks.check(event, system, step, releasedPages) { found.append(v) }
            if let v = HostInputChecks.check(event, system, step) { found.append(v) }
            if let v = IntegrityChecks.check(event, shadow, system, step) { found.append(v) }
            if let v = SlotChecks.check(event, system, step) { found.append(v) }
            if let v = AliasChecks.check(event, system, step) { found.append(v) }
            if let v = PoolPageChecks.check(event, system, step) { found.append(v) }
            shadow.observe(event, system)
            if confidential, freed == nil { freed = ConfidentialityChecks.freedPage(event, system, step) }
            if confidential, touched == nil { touched = ConfidentialityChecks.privateBytesTouched(event, system, step) }
            if released == nil { released = LifecycleChecks.release(event, system, step) }
            if ledger.seeded, event.movedPages != nil {
                pagesMoved = true
                // Reported with the event checks: a wrong move is rare, and no optional violation
                // is carried through the loop for it.
                if !moveJudged, let page = PageConservation.badMove(event, ledger) {
                    found.append(PageConservation.move(event, page, ledger, step))
                    moveJudged = true
                }
                ledger.observe(event)
            }
        }
        if let freed { found.append(freed) }
        if let touched { found.append(touched) }
        if let released { found.append(released) }
        // Where pages moved, once the ledger has the whole step: each is where it should be.
        if pagesMoved, !moveJudged {
            for event in system.events {
                guard let pages = event.movedPages, let page = PageConservation.firstUnnamed(pages, ledger, system) else { continue }
                found.append(PageConservation.unnamedViolation(page, ledger, system, step))
                break
            }
        }
        return found
    }

    /// CONF-PRIVATE and SAFE-LIFECYCLE over the whole system: no undisclosed byte on a page the
    /// host can see, every page and slot in use belongs to a live object, every page of memory is
    /// accounted for (free, held by a live object that holds it, or leaked with a reason), and
    /// every live mapping is one the driver holds. The per-step checks look only at what each step touched or
    /// released; this is the full accounting, for the end of a run (after teardown).
    public func checkAccounting(_ system: DmaLayer, step: Int) -> [Violation] {
        [
            ConfidentialityChecks.privateBytes(system, step), LifecycleChecks.accounting(system, step),
            PageConservation.accounting(ledger, system, step),
        ].compactMap { $0 }
    }
}
