import BouncerPolicy
import SMT

/// Runs proof obligations against a profile.
public enum Prover {
    /// Every obligation, in the order `bouncer prove` prints them.
    public static let obligations: [Obligation] = Obligation.arithmetic + Obligation.policy + Obligation.aliases + Obligation.transports + Obligation.bmc + [Obligation.slotInduction]

    public struct Result: Sendable {
        public var obligation: Obligation
        public var outcome: Outcome
        public var seconds: Double
    }

    /// Runs the obligations (all, or those named in `only`); a Z3 error counts as unknown.
    public static func run(_ profile: Profile, options: ProofOptions, only: [String] = []) -> [Result] {
        let clock = ContinuousClock()
        return obligations.filter { only.isEmpty || only.contains($0.id) }.map { o in
            let start = clock.now
            let outcome: Outcome
            do {
                outcome = try o.check(profile, options)
            } catch {
                outcome = .unknown("\(error)")
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return Result(obligation: o, outcome: outcome, seconds: seconds)
        }
    }
}
