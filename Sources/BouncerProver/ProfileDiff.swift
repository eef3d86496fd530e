import BouncerOracle
import BouncerPolicy
import Dispatch
import SMT

/// Where two profiles decide differently, and what each side breaks there.
public enum ProfileDiff {
    /// A set of configurations, described by the features that define it, where the profiles
    /// differ.
    public struct DifferenceClass: Sendable {
        public var platform: PlatformKind
        public var conditions: [String]
        /// Decisions that differ in a representative configuration: name, old, new.
        public var decisions: [(String, Bool, Bool)]
        public var oldBreaks: [InvariantID]
        public var newBreaks: [InvariantID]
    }

    /// The classes found. The enumeration only explains the verdict (`verdict`), so stopping it
    /// early leaves the verdict standing.
    public struct Result: Sendable {
        public var classes: [DifferenceClass]
        /// The platforms where the class limit cut the enumeration.
        public var cut: [PlatformKind] = []
        /// Set when Z3 answered unknown during the enumeration.
        public var undecided: String?
    }

    /// Enumerates the difference classes with blocking clauses, platform by platform; platforms
    /// run in parallel, each in its own Z3 context.
    public static func run(
        old: Profile, new: Profile, options: ProofOptions, platforms: [PlatformKind] = PlatformKind.allCases,
        limitPerPlatform: Int = 32
    ) throws(SMTError) -> Result {
        let chosen = provedPlatforms.filter { platforms.contains($0.kind) }
        nonisolated(unsafe) var outcomes = [Swift.Result<Result, SMTError>?](repeating: nil, count: chosen.count)
        outcomes.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: chosen.count) { i in
                do throws(SMTError) {
                    slots[i] = .success(try classes(old: old, new: new, on: chosen[i], options: options, limit: limitPerPlatform))
                } catch {
                    slots[i] = .failure(error)
                }
            }
        }
        var all = Result(classes: [])
        for outcome in outcomes {
            switch outcome! {
            case .failure(let error): throw error
            case .success(let found):
                all.classes += found.classes
                all.cut += found.cut
                all.undecided = found.undecided ?? all.undecided
            }
        }
        return all
    }

    /// The difference classes on one platform, group by group.
    static func classes(
        old: Profile, new: Profile, on platform: Platform, options: ProofOptions, limit limitPerPlatform: Int
    ) throws(SMTError) -> Result {
        var result = Result(classes: [])
        let z = Context()
        let d = Z3Domain(z)
        let solver = Solver(z, timeoutMilliseconds: options.timeoutMilliseconds)
        let a = PolicyQuery(d, solver, platform, old)
        let b = PolicyQuery(d, solver, platform, new)
        // What each side can break in each part at all, once per part (the DMA groups share one).
        var breakable: [String: (old: [(InvariantID, Term)], new: [(InvariantID, Term)])] = [:]
        for part in Part.all {
            breakable[part.name] = (try ProfileDiff.breakable(part.breaks(a), solver), try ProfileDiff.breakable(part.breaks(b), solver))
        }
        for group in Group.all {
            solver.push()
            defer { solver.pop() }
            let found = try enumerate(group, a, b, solver, platform, breakable: breakable[group.part.name]!, limit: limitPerPlatform)
            result.classes += found.classes
            if !found.cut.isEmpty, !result.cut.contains(platform.kind) { result.cut.append(platform.kind) }
            result.undecided = found.undecided ?? result.undecided
        }
        return result
    }

    /// Decisions of one part (`Part`: the DMA layer, each transport), compared apart so that a
    /// class names only the features its own decisions depend on.
    struct Group: Sendable {
        var features: @Sendable (PolicyQuery) -> [(String, Term)]
        var decisions: @Sendable (PolicyQuery) -> [(String, Term)]
        var part: Part

        static let all: [Group] = [
            // The DMA decisions that do not look at a pool, then those that do: apart, so that a
            // class of the first names no pool's history.
            Group(features: { ProfileDiff.features($0) }, decisions: { ProfileDiff.decisions($0) }, part: .dma),
            Group(features: Part.dma.features, decisions: { ProfileDiff.poolDecisions($0) }, part: .dma),
            Group(
                features: Part.virtio.features,
                decisions: { q in
                    [("virtio_features_ok accepts", q.virtioAccepted), ("vring_use_dma_api", q.z.and(q.virtioAccepted, q.virtioDmaApi))]
                },
                part: .virtio),
            Group(
                features: Part.vmbusOffer.features,
                decisions: { q in [("co_external_memory device accepted", q.z.and(q.coExternalMemory, q.vmbusAccepted))] },
                part: .vmbusOffer),
            Group(
                features: Part.vmbusBuffers.features,
                decisions: { q in
                    [("GPADL leaked after a failed conversion", q.d.gpadlLeaksAfterFailure(q.b)),
                     ("inbound packet parsed from a private copy", q.d.vmbusParsesPrivateCopy(q.b))]
                },
                part: .vmbusBuffers),
            Group(features: Part.virtioUsed.features, decisions: { q in [("driver consumes the used length", q.usedAccepted)] }, part: .virtioUsed),
        ]
    }

    /// The predicates of `candidates` that some configuration satisfies (an unknown counts as
    /// satisfiable): an invariant a side never breaks on this platform breaks in none of its
    /// classes. Asks for any of the rest at once and drops those the model breaks, so that a side
    /// that breaks nothing costs one check.
    static func breakable(_ candidates: [(InvariantID, Term)], _ solver: Solver) throws(SMTError) -> [(InvariantID, Term)] {
        let z = solver.context
        var out: [(InvariantID, Term)] = [], rest = candidates
        while !rest.isEmpty {
            solver.push()
            solver.assert(z.or(rest.map(\.1)))
            let r = try solver.check()
            solver.pop()
            switch r {
            case .unsatisfiable: return out
            case .unknown: return out + rest
            case .satisfiable(let m):
                let hit = rest.filter { m.boolean($0.1) }
                if hit.isEmpty { return out + rest }
                out += hit
                rest = rest.filter { !m.boolean($0.1) }
            }
        }
        return out
    }

    /// Enumerates one group's difference classes with blocking clauses, generalised with unsat
    /// cores, and what each side breaks in each.
    static func enumerate(
        _ group: Group, _ a: PolicyQuery, _ b: PolicyQuery, _ solver: Solver, _ platform: Platform,
        breakable: (old: [(InvariantID, Term)], new: [(InvariantID, Term)]), limit: Int
    ) throws(SMTError) -> Result {
        let z = a.z, d = a.d
        var classes: [DifferenceClass] = []
        var cut: [PlatformKind] = []
        var undecided: String?
        // Each feature gets a proxy boolean, so that a class can be assumed and its unsat core read.
        let features = group.features(a).enumerated().map { k, feature in
            let proxy = z.boolean("feature\(k)")
            solver.assert(z.equal(proxy, feature.1))
            return (feature.0, proxy)
        }
        let decisions = zip(group.decisions(a), group.decisions(b)).map { ($0.0, $0.1, $1.1) }
        let differ = z.or(decisions.map { z.not(d.same($0.1, $0.2)) })
        let (oldBreakable, newBreakable) = breakable
        while true {
            solver.push()
            solver.assert(differ)
            let result = try solver.check()
            solver.pop()
            guard case .satisfiable(let m) = result else {
                if case .unknown(let reason) = result { undecided = "\(platform.kind.rawValue): \(reason)" }
                break
            }
            if classes.count == limit {
                cut = [platform.kind]
                break
            }
            // The model's literals; the unsat core of "these literals and no difference" keeps
            // only those the difference depends on.
            var literals = features.map { m.boolean($0.1) ? ($0.0, $0.1) : ("not " + $0.0, z.not($0.1)) }
            solver.push()
            solver.assert(z.not(differ))
            let (generalised, core) = try solver.check(assuming: literals.map(\.1))
            solver.pop()
            if case .unsatisfiable = generalised {
                let kept = Set(core.map(\.description))
                literals = literals.filter { kept.contains($0.1.description) }
            }
            let condition = z.and(literals.map(\.1))
            func breaks(_ candidates: [(InvariantID, Term)]) throws(SMTError) -> [InvariantID] {
                var out: [InvariantID] = []
                for (invariant, predicate) in candidates where !out.contains(invariant) {
                    solver.push()
                    solver.assert(condition)
                    solver.assert(predicate)
                    if case .satisfiable = try solver.check() { out.append(invariant) }
                    solver.pop()
                }
                return out
            }
            classes.append(DifferenceClass(
                platform: platform.kind, conditions: literals.map(\.0),
                decisions: decisions.compactMap { m.boolean($0.1) == m.boolean($0.2) ? nil : ($0.0, m.boolean($0.1), m.boolean($0.2)) },
                oldBreaks: try breaks(oldBreakable), newBreaks: try breaks(newBreakable)))
            solver.assert(z.not(condition))
        }
        return Result(classes: classes, cut: cut, undecided: undecided)
    }

    /// The features that define a class of configurations.
    static func features(_ q: PolicyQuery) -> [(String, Term)] {
        let z = q.z, d = q.d
        let limit = d.minNotZero(q.dev.dmaMask, q.dev.busDmaLimit)
        func fits(_ address: Term) -> Term { z.unsignedLessOrEqual(z.subtract(z.add(address, q.req.size), z.word(value: 1)), limit) }
        return [
            ("trusted device", q.dev.trusted), ("swiotlb disabled", q.dev.swiotlbDisabled),
            ("restricted-dma-pool", q.dev.restrictedPool), ("swiotlb=force", q.dev.forceBounce),
            ("DMA_ATTR_CC_SHARED", q.req.ccShared), ("DMA_ATTR_MMIO", q.req.mmio),
            ("DMA_ATTR_SKIP_CPU_SYNC", q.req.skipCpuSync), ("device reads", q.req.deviceReads),
            ("device writes", q.req.deviceWrites), ("gfp may block", q.blocking),
            ("encrypted address within the mask", fits(d.physToDma(q.p, q.dev.terms, q.req.phys))),
            ("unencrypted address within the mask", fits(d.physToDmaUnencrypted(q.p, q.dev.terms, q.req.phys))),
            ("the failed conversion is set_memory_decrypted", q.decryptFails),
            ("device not DMA-coherent", q.z.not(q.coherentDevice)),
        ]
    }

    /// The host's choices and the history that decide a pool's state (`SymbolicPools`).
    static func poolFeatures(_ q: PolicyQuery) -> [(String, Term)] {
        [("boot pool conversion worked", q.pools.bootConverted),
         ("restricted pool conversion worked", q.pools.restrictedConverted), ("first atomic chunk", q.pools.firstChunk),
         ("bounce in a dynamic pool", q.pools.inDynamic), ("bounce in a transient pool", q.pools.inTransient),
         ("pools set up while confidential", q.pools.setUpConfidential)]
    }

    /// The decisions compared that look at no pool, each as a boolean.
    static func decisions(_ q: PolicyQuery) -> [(String, Term)] {
        let z = q.z, d = q.d
        return [
            ("force_dma_unencrypted", d.forceDmaUnencrypted(q.p, q.dev.terms, q.b)),
            ("dma_direct_map_phys fails", q.map.fail),
            ("dma_direct_map_phys bounces", q.map.bounce),
            ("dma_direct_alloc from an atomic pool", q.alloc.fromAtomicPool),
            ("dma_direct_alloc from the restricted pool", q.alloc.fromRestrictedPool),
            ("dma_direct_alloc decrypts", q.alloc.decrypt),
            ("slot filled at map", z.and(q.map.bounce, d.swiotlbCopiesOnMap(q.b, q.req.terms))),
            ("sync_for_device copies", z.and(q.map.bounce, d.swiotlbCopiesOnSyncForDevice(q.b, q.req.terms))),
            ("partial syncs clamped", q.b.bounceClamped),
            ("pages leaked after the failed conversion", z.ite(q.decryptFails, d.leakAfterDecryptFailure(q.b), d.leakAfterReencryptFailure(q.b))),
        ]
    }

    /// The decisions compared that look at a pool's recorded state.
    static func poolDecisions(_ q: PolicyQuery) -> [(String, Term)] {
        let z = q.z
        return [
            ("swiotlb takes the pool", z.and(q.map.bounce, q.bouncePoolServes)),
            ("bounce address unencrypted", z.and(q.map.bounce, q.bounce.sharedEncoding)),
            ("an atomic pool serves dma_direct_alloc", z.and(q.alloc.fromAtomicPool, q.atomicAccepted)),
            ("the restricted pool serves dma_direct_alloc", z.and(q.alloc.fromRestrictedPool, q.restrictedAccepted)),
        ]
    }
}
