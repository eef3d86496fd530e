import BouncerOracle
import BouncerPolicy
import BouncerRunner
import SMT

/// A proof obligation: a property of the policy, with the invariant it protects.
public struct Obligation: Sendable {
    public let id: String
    public let statement: String
    public let protects: InvariantID
    /// Builds and checks the obligation for one profile.
    let check: @Sendable (_ profile: Profile, _ options: ProofOptions) throws(SMTError) -> Outcome
}

public struct ProofOptions: Sendable {
    public var timeoutMilliseconds: UInt32
    /// Depth for bounded model checking.
    public var depth: Int
    /// The platforms per-platform obligations range over: every platform the model knows, or a
    /// hypothetical one (a new encoding) to check before it is added.
    public var platforms: [Platform]

    public init(timeoutMilliseconds: UInt32 = 20_000, depth: Int = 8, platforms: [Platform] = provedPlatforms) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.depth = depth
        self.platforms = platforms
    }
}

/// A refuting configuration, readable, and when possible a scenario the concrete model replays
/// to the same invariant.
public struct Counterexample: Sendable {
    public var platform: PlatformKind?
    /// Name and value of each unknown that matters, in the kernel's words.
    public var values: [(String, String)]
    public var scenario: Scenario?
}

public enum Outcome: Sendable {
    case proved
    case refuted(Counterexample)
    /// Z3 could not decide (a timeout included): never reported as proved.
    case unknown(String)
}

/// The platforms a policy obligation ranges over. pseries is secure from boot (`prom_init`); under
/// `pseries-secure-mode = runtime` it is taken after it turned secure.
public let provedPlatforms: [Platform] = PlatformKind.allCases.map { Platform($0) }

/// Checks `violation` on every platform: unsatisfiable everywhere is a proof; the first model is
/// a refutation; otherwise unknown.
func checkPerPlatform(
    _ options: ProofOptions,
    _ build: (Z3Domain, Solver, Platform) -> (violation: Term, read: (Model) -> [(String, String)], scenario: (Model) -> Scenario?)
) throws(SMTError) -> Outcome {
    var unknown: String?
    for platform in options.platforms {
        let z = Context()
        let solver = Solver(z, timeoutMilliseconds: options.timeoutMilliseconds)
        let query = build(Z3Domain(z), solver, platform)
        solver.assert(query.violation)
        switch try solver.check() {
        case .unsatisfiable: continue
        case .unknown(let reason): unknown = "\(platform.kind.rawValue): \(reason)"
        case .satisfiable(let model):
            // The refutation stands on this model; a model that also meets the solver's
            // preferences is as much a counterexample, and more often one a scenario replays.
            if let preferred = try preferredCounterexample(solver, platform, query.read, query.scenario) { return .refuted(preferred) }
            return .refuted(Counterexample(
                platform: platform.kind, values: query.read(model), scenario: query.scenario(model)))
        }
    }
    if let unknown { return .unknown(unknown) }
    return .proved
}

/// After a refutation, a counterexample that also meets `solver.preferences` and comes with a
/// replaying scenario, or nil (none asked, none exists, or its scenario does not replay).
func preferredCounterexample(
    _ solver: Solver, _ platform: Platform, _ read: (Model) -> [(String, String)], _ scenario: (Model) -> Scenario?
) throws(SMTError) -> Counterexample? {
    guard !solver.preferences.isEmpty else { return nil }
    solver.push()
    defer { solver.pop() }
    for term in solver.preferences { solver.assert(term) }
    guard case .satisfiable(let model) = try solver.check(), let replay = scenario(model) else { return nil }
    return Counterexample(platform: platform.kind, values: read(model), scenario: replay)
}
