@testable import BouncerModel
@testable import BouncerOracle
import BouncerPolicy
import Testing

/// `Oracle.check` hands each event only to the checks of the families that judge its kind. This
/// pins that the dispatch drops nothing a check would act on: for every kind of `Event`, in
/// states where checks fire, every event check of every family is asked about the event directly,
/// and each violation one of them finds is one the oracle reports. A new kind of event does not
/// compile here until it is named and given scenarios; a check that starts judging a kind the
/// oracle does not send it fails here. The scenarios run on TDX, where every family judges.
@Suite struct EventRoutingTests {
    /// Every kind of event. `init` switches over `Event` with no default, so a new case stops this
    /// file compiling until it is named here and `scenarios` gives it a state to be judged in.
    enum Kind: CaseIterable, CustomTestStringConvertible {
        case handedOut, poolServed, bounced, mapped, syncedForCpu, syncedForDevice, unmapped, hostWrote, cpuWrote
        case conversionExposed, converted, leaked, freed, pagesTaken, bufferFreed, coherentFreed, scatterlistFailed
        case driverCopied, sharedFieldFetched, cpuAccessed

        init(_ event: Event) {
            switch event {
            case .handedOut: self = .handedOut
            case .poolServed: self = .poolServed
            case .bounced: self = .bounced
            case .mapped: self = .mapped
            case .syncedForCpu: self = .syncedForCpu
            case .syncedForDevice: self = .syncedForDevice
            case .unmapped: self = .unmapped
            case .hostWrote: self = .hostWrote
            case .cpuWrote: self = .cpuWrote
            case .conversionExposed: self = .conversionExposed
            case .converted: self = .converted
            case .leaked: self = .leaked
            case .freed: self = .freed
            case .pagesTaken: self = .pagesTaken
            case .bufferFreed: self = .bufferFreed
            case .coherentFreed: self = .coherentFreed
            case .scatterlistFailed: self = .scatterlistFailed
            case .driverCopied: self = .driverCopied
            case .sharedFieldFetched: self = .sharedFieldFetched
            case .cpuAccessed: self = .cpuAccessed
            }
        }

        var testDescription: String { "\(self)" }
    }

    /// Every event check of every family, asked directly: a function of the event, the oracle's
    /// own records as the step found them, and the state after the step.
    enum Check: CaseIterable {
        case confidentiality, freedPage, privateBytesTouched, hostInput, integrity, release, slots, alias, poolPages
        case pageConservation

        func judge(_ e: Event, _ before: Oracle, _ s: DmaLayer, _ step: Int) -> Violation? {
            switch self {
            case .confidentiality: return ConfidentialityChecks.check(e, s, step, s.events)
            case .freedPage: return ConfidentialityChecks.freedPage(e, s, step)
            case .privateBytesTouched: return ConfidentialityChecks.privateBytesTouched(e, s, step)
            case .hostInput: return HostInputChecks.check(e, s, step)
            case .integrity: return IntegrityChecks.check(e, before.shadow, s, step)
            case .release: return LifecycleChecks.release(e, s, step)
            case .slots: return SlotChecks.check(e, s, step)
            case .alias: return AliasChecks.check(e, before.pageStates, s, step)
            case .poolPages: return PoolPageChecks.check(e, s, step)
            case .pageConservation:
                // A wrong move first; else the first page the move left with no holder to name it.
                let pages: Range<PageNumber>, owner: PageOwner, taken: Bool
                switch e {
                case let .freed(p): (pages, owner, taken) = (p, .free, false)
                case let .leaked(p, reason): (pages, owner, taken) = (p, .leaked(reason), false)
                case let .pagesTaken(p, by): (pages, owner, taken) = (p, by, true)
                default: return nil
                }
                var ledger = before.ledger
                if let bad = ledger.move(pages.rawRange, to: owner, taken: taken) {
                    return PageConservation.move(e, bad.page, before: bad.before, step)
                }
                guard let page = PageConservation.firstUnnamed(pages.rawRange, ledger, s) else { return nil }
                return PageConservation.unnamedViolation(page, ledger, s, step)
            }
        }
    }

    /// A step to judge: the guest after it (its events are the step's), the oracle as the step
    /// found it, and the checks the state was built to make fire.
    struct Scenario {
        var system: DmaLayer
        let oracle: Oracle
        var name = ""
        var fires: Set<Check> = []

        func named(_ name: String, fires: Set<Check>) -> Scenario {
            var s = self
            (s.name, s.fires) = (name, fires)
            return s
        }
    }

    @Test(arguments: Kind.allCases)
    func everyViolationACheckFindsInAnEventOfThisKindIsOneTheOracleReports(_ kind: Kind) throws {
        let scenarios = try Self.scenarios(kind)
        #expect(!scenarios.isEmpty)
        for scenario in scenarios {
            let s = scenario.system
            #expect(!s.events.isEmpty && s.events.allSatisfy { Kind($0) == kind }, "\(scenario.name): \(s.events)")
            var oracle = scenario.oracle
            let reported = oracle.check(s, step: 1)
            var fired: Set<Check> = []
            for event in s.events {
                for check in Check.allCases {
                    guard let v = check.judge(event, scenario.oracle, s, 1) else { continue }
                    fired.insert(check)
                    #expect(reported.contains(v), "\(scenario.name): \(check) finds \(v); the oracle reports \(reported)")
                }
            }
            #expect(fired == scenario.fires, "\(scenario.name): the checks that fire")
        }
    }

    /// The scenarios reach every check, so none in the list above is asked for nothing.
    @Test func everyCheckFindsAViolationInSomeScenario() throws {
        let fired = try Kind.allCases.flatMap { try Self.scenarios($0).flatMap(\.fires) }
        #expect(Set(fired) == Set(Check.allCases))
    }
}
