import BouncerOracle
import BouncerPolicy
import BouncerProver
import BouncerRunner
import Testing

/// Every catalogue profile is refuted both ways on its recorded minimal counterexample: the input
/// in `Corpus/regressions/<target>/`, decoded as its fuzz target decodes it, breaks the invariant
/// docs/DESIGN.md section 11 names, and `bouncer prove` refutes an obligation guarding that invariant.
@Suite struct CatalogueTests {
    static let root = packageRoot

    /// The recorded counterexample of a profile and the target whose format it is in.
    static func recorded(_ profile: Profile) -> (FuzzTarget, [UInt8])? {
        for target in FuzzTarget.allCases {
            let dir = "\(root)/Corpus/regressions/\(target.name)"
            guard let names = try? listDirectory(dir) else { continue }
            if let name = names.first(where: { $0.hasPrefix("\(profile.name)--") }), let bytes = readFile("\(dir)/\(name)") {
                return (target, bytes)
            }
        }
        return nil
    }

    @Test(arguments: Profile.builtIn.filter { $0.breaks != nil })
    func refutedByTheFuzzTargetAndByTheProver(_ profile: Profile) throws {
        let (target, bytes) = try #require(Self.recorded(profile), "no recorded counterexample for \(profile.name)")
        let scenario = ScenarioCodec.decode(bytes, target: target)
        #expect(Runner.run(scenario, profile: profile).firstViolation?.invariant.rawValue == profile.breaks)
        #expect(Runner.run(scenario, profile: .linuxUpstream).violations.isEmpty)
        // One prover run per profile for the whole catalogue: an obligation guarding the
        // invariant is refuted, and its counterexample, where it has one, replays in the model.
        let refuted = Prover.run(profile, options: ProofOptions()).filter {
            if case .refuted = $0.outcome { $0.obligation.protects.rawValue == profile.breaks } else { false }
        }
        #expect(!refuted.isEmpty, "no obligation guarding \(profile.breaks!) is refuted")
        var replayed = 0
        for r in refuted {
            guard case .refuted(let c) = r.outcome, let scenario = c.scenario else { continue }
            #expect(Runner.run(scenario, profile: profile).firstViolation?.invariant.rawValue == profile.breaks, "\(r.obligation.id)")
            replayed += 1
        }
        #expect(replayed > 0, "no refutation of \(profile.name) came with a scenario that replays")
    }
}
