import BouncerOracle
import BouncerPolicy
import Dispatch
import SMT

extension ProfileDiff {
    /// A part of a configuration that shares no unknowns with the others: the DMA layer (a device,
    /// a request, the pools' history) or one transport. An invariant is compared part by part, so
    /// that the old side breaking it in one part cannot hide the new side breaking it in another.
    struct Part: Sendable {
        var name: String
        /// The features that describe a configuration of the part, for a witness.
        var features: @Sendable (PolicyQuery) -> [(String, Term)]
        var breaks: @Sendable (PolicyQuery) -> [(InvariantID, Term)]

        static let dma = Part(
            name: "the DMA layer", features: { ProfileDiff.features($0) + ProfileDiff.poolFeatures($0) }, breaks: { $0.breaks })
        static let virtio = Part(
            name: "virtio feature negotiation",
            features: { q in
                [("virtio device offers VERSION_1", q.virtioVersion1), ("virtio device offers ACCESS_PLATFORM", q.virtioAccessPlatform),
                 ("virtio device offers SWIOTLB", q.virtioSwiotlbOffered)]
            },
            breaks: { q in [(.confBounce, q.breaksConfBounceByVirtio)] })
        static let vmbusOffer = Part(
            name: "a VMBus channel offer", features: { q in [("VMBus channel has co_external_memory", q.coExternalMemory)] },
            breaks: { q in [(.confTrusted, q.breaksConfTrustedByVmbus)] })
        static let vmbusBuffers = Part(
            name: "VMBus GPADLs and inbound packets", features: { _ in [] },
            breaks: { q in [(.confFreelist, q.breaksConfFreelistByGpadl), (.safeHostInput, q.breaksSafeHostInputByInbound)] })
        static let virtioUsed = Part(
            name: "a virtio used buffer", features: { q in [("used.len beyond the posted length", q.d.lessThan(q.postedLength, q.usedLength))] },
            breaks: { q in [(.safeHostInput, q.breaksSafeHostInputByUsedLength)] })

        static let virtioRing = Part(
            name: "a virtio descriptor the device rewrote",
            features: { q in [("vring.desc.addr rewritten", q.z.not(q.d.equal(q.ringDma, q.postedDma)))] },
            breaks: { q in [(.safeHostInput, q.breaksSafeHostInputByRingMetadata)] })

        static let all: [Part] = [dma, virtio, vmbusOffer, vmbusBuffers, virtioUsed, virtioRing]
    }

    /// Whether the new profile breaks one invariant anywhere the old one keeps it.
    public struct InvariantVerdict: Sendable {
        public var invariant: InvariantID
        /// `.proved`: the new side breaks it nowhere the old side keeps it. `.refuted`: a
        /// configuration where it does (platform, part, features). `.unknown`: Z3 could not decide.
        public var outcome: Outcome
        public var seconds: Double
    }

    /// One Z3 query per invariant over every platform, part and configuration at once: is there a
    /// platform and a configuration of one part where the new side breaks the invariant and the old
    /// side, in the same configuration, keeps it? Unsatisfiable answers for every configuration, so
    /// no enumeration is needed. Invariants are decided in parallel, each in its own Z3 context.
    public static func verdict(
        old: Profile, new: Profile, options: ProofOptions, platforms: [PlatformKind] = PlatformKind.allCases
    ) -> [InvariantVerdict] {
        let chosen = provedPlatforms.filter { platforms.contains($0.kind) }
        // Every invariant a part can break, in the order the parts list them.
        let z = Context()
        let q = PolicyQuery(Z3Domain(z), Solver(z), provedPlatforms[0], old)
        let invariants = Part.all.reduce(into: [InvariantID]()) { out, part in
            for (invariant, _) in part.breaks(q) where !out.contains(invariant) { out.append(invariant) }
        }
        nonisolated(unsafe) var verdicts = [InvariantVerdict?](repeating: nil, count: invariants.count)
        verdicts.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: invariants.count) { i in
                let clock = ContinuousClock(), start = clock.now
                let outcome: Outcome
                do throws(SMTError) {
                    outcome = try decide(invariants[i], old: old, new: new, on: chosen, options: options)
                } catch {
                    outcome = .unknown("\(error)")
                }
                let elapsed = clock.now - start
                slots[i] = InvariantVerdict(
                    invariant: invariants[i], outcome: outcome,
                    seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
        }
        return verdicts.map { $0! }
    }

    /// The one query for `invariant`: the disjunction, over platforms and parts, of "new breaks it
    /// here and old does not". The platforms share the unknowns' names, which is sound for a
    /// disjunction: each disjunct needs only its own assignment.
    static func decide(
        _ invariant: InvariantID, old: Profile, new: Profile, on platforms: [Platform], options: ProofOptions
    ) throws(SMTError) -> Outcome {
        let z = Context()
        let d = Z3Domain(z)
        let solver = Solver(z, timeoutMilliseconds: options.timeoutMilliseconds)
        var cases: [(platform: Platform, part: Part, q: PolicyQuery, regression: Term)] = []
        for platform in platforms {
            let a = PolicyQuery(d, solver, platform, old), b = PolicyQuery(d, solver, platform, new)
            for part in Part.all {
                let was = part.breaks(a).filter { $0.0 == invariant }.map(\.1)
                let now = part.breaks(b).filter { $0.0 == invariant }.map(\.1)
                for (broken, kept) in zip(now, was) { cases.append((platform, part, b, z.and(broken, z.not(kept)))) }
            }
        }
        solver.push()
        solver.assert(z.or(cases.map(\.regression)))
        let result = try solver.check()
        solver.pop()
        switch result {
        case .unsatisfiable: return .proved
        case .unknown(let reason): return .unknown(reason)
        case .satisfiable(let m):
            guard let hit = cases.first(where: { m.boolean($0.regression) }) else { return .unknown("no disjunct holds in the model") }
            // The witness's features; when they alone make every configuration a regression, only
            // those an unsat core keeps.
            var literals = hit.part.features(hit.q).map { name, term in m.boolean(term) ? (name, term) : ("not " + name, z.not(term)) }
            solver.push()
            solver.assert(z.not(hit.regression))
            let (general, core) = try solver.check(assuming: literals.map(\.1))
            solver.pop()
            var key = "for example where"
            if case .unsatisfiable = general {
                let kept = Set(core.map(\.description))
                literals = literals.filter { kept.contains($0.1.description) }
                key = "wherever"
            }
            let values = [("part", hit.part.name), (key, literals.isEmpty ? "every configuration" : literals.map(\.0).joined(separator: ", "))]
            return .refuted(Counterexample(platform: hit.platform.kind, values: values, scenario: nil))
        }
    }
}
