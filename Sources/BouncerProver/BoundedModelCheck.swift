import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import SMT

/// Bounded model checking of coherent allocations under a hostile host, on a small instance:
/// three pages, one untrusted device on TDX, and per step one of "the host arms a conversion
/// failure", `dma_alloc_coherent()` (one page, first fit) or `dma_free_coherent()` of a live
/// allocation. The transitions take every decision from the policy functions the model's
/// `dmaAllocCoherent` and `dmaFreeCoherent` run (`dmaDirectAlloc`, `dmaDirectAllocFate`,
/// `dmaDirectFreeReencrypts`, `dmaDirectFreeLeaks`); what is written here is only what a
/// conversion does to a page (an armed failure leaves it unknown). The property is CONF-FREELIST.
/// A counterexample becomes operations and must replay to the same invariant in the model.
struct FreelistBMC {
    static let pages = 3
    // Page states and owners as small numbers in bit-vectors.
    static let privateState: UInt64 = 0, sharedState: UInt64 = 1, unknownState: UInt64 = 2
    static let free: UInt64 = 0, allocated: UInt64 = 1, leaked: UInt64 = 2

    struct State {
        var state: [Term]
        var owner: [Term]
        /// The coherent handle of the allocation on each page.
        var handle: [Term]
        var armed: Term
        var allocations: Term
    }

    let d: Z3Domain
    let z: Context
    let b: BehaviourTerms<Z3Domain>
    let p: PlatformTerms<Z3Domain>
    let decrypt: Term

    init(_ d: Z3Domain, _ profile: Profile) {
        self.d = d
        z = d.z
        b = BehaviourTerms(d, profile.behaviours)
        p = PlatformTerms(d, Platform(.tdx))
        let device = DeviceTerms<Z3Domain>(
            accepted: z.boolean(value: false), dmaMask: z.word(value: ~0), busDmaLimit: z.word(value: 0),
            dmaRangeOffset: z.word(value: 0), swiotlbDisabled: z.boolean(value: false),
            restrictedPool: z.boolean(value: false), forceBounce: z.boolean(value: false))
        decrypt = d.dmaDirectAlloc(p, device, b, blocking: z.boolean(value: true)).decrypt
    }

    func initial() -> State {
        State(
            state: Array(repeating: z.word(value: Self.privateState), count: Self.pages),
            owner: Array(repeating: z.word(value: Self.free), count: Self.pages),
            handle: Array(repeating: z.word(value: 0), count: Self.pages),
            armed: z.boolean(value: false), allocations: z.word(value: 0))
    }

    func w(_ v: UInt64) -> Term { z.word(value: v) }

    /// One step: `op` 0 arms a failure, 1 allocates, 2 + j frees the allocation on page j.
    func step(_ s: State, op: Term) -> State {
        var next = s
        let isArm = z.equal(op, w(0)), isAlloc = z.equal(op, w(1))
        // First-fit page for an allocation.
        var chosen: [Term] = []
        var taken = z.boolean(value: false)
        for j in 0 ..< Self.pages {
            let pick = z.and(z.not(taken), z.equal(s.owner[j], w(Self.free)))
            chosen.append(z.and(isAlloc, pick))
            taken = z.or(taken, pick)
        }
        // dma_direct_alloc: the pages are converted when the policy decrypts; an armed failure
        // makes that conversion fail, and the policy says what becomes of the pages.
        let allocFate = d.dmaDirectAllocFate(decrypt: decrypt, conversionFailed: s.armed, b)
        let allocState = z.ite(decrypt, z.ite(allocFate.handedOut, w(Self.sharedState), w(Self.unknownState)), w(Self.privateState))
        let allocOwner = z.ite(allocFate.handedOut, w(Self.allocated), z.ite(allocFate.leaked, w(Self.leaked), w(Self.free)))
        var consumed = z.boolean(value: false)
        for j in 0 ..< Self.pages {
            let freeing = z.and(z.equal(op, w(2 + UInt64(j))), z.equal(s.owner[j], w(Self.allocated)))
            // dma_direct_free: re-encrypt as the policy says for an allocation that was decrypted
            // (the host may fail it), then free or leak the pages as the policy says. Whether it
            // was decrypted is the allocation's (`CoherentAllocation.shared`), not the page's
            // current state: here every allocation is the one device's, so it is `decrypt`. (Read
            // from the page's state, the solver's work grew steeply with the depth; scripts/benchmark
            // times the depths.)
            let reencrypt = d.dmaDirectFreeReencrypts(p, shared: decrypt)
            let freeState = z.ite(reencrypt, z.ite(s.armed, w(Self.unknownState), w(Self.privateState)), s.state[j])
            let freeOwner = z.ite(
                d.dmaDirectFreeLeaks(reencrypt: reencrypt, conversionFailed: s.armed, b), w(Self.leaked), w(Self.free))
            next.state[j] = z.ite(chosen[j], allocState, z.ite(freeing, freeState, s.state[j]))
            next.owner[j] = z.ite(chosen[j], allocOwner, z.ite(freeing, freeOwner, s.owner[j]))
            next.handle[j] = z.ite(z.and(chosen[j], allocFate.handedOut), s.allocations, s.handle[j])
            consumed = z.or(consumed, z.or(z.and(chosen[j], decrypt), z.and(freeing, reencrypt)))
        }
        let allocated = z.and(taken, z.and(isAlloc, allocFate.handedOut))
        next.allocations = z.ite(allocated, z.add(s.allocations, w(1)), s.allocations)
        next.armed = z.ite(isArm, z.boolean(value: true), z.ite(consumed, z.boolean(value: false), s.armed))
        return next
    }

    /// CONF-FREELIST is broken in this state.
    func broken(_ s: State) -> Term {
        z.or((0 ..< Self.pages).map { j in
            z.and(z.equal(s.owner[j], w(Self.free)), z.not(z.equal(s.state[j], w(Self.privateState))))
        })
    }

    /// Checks depths 1...options.depth; the first depth with a violation gives the counterexample.
    static func check(_ profile: Profile, _ options: ProofOptions) throws(SMTError) -> Outcome {
        let z = Context()
        let bmc = FreelistBMC(Z3Domain(z), profile)
        let solver = Solver(z, timeoutMilliseconds: options.timeoutMilliseconds)
        var state = bmc.initial()
        var ops: [Term] = []
        var states: [State] = []
        for depth in 1 ... max(1, options.depth) {
            let op = z.word("op\(depth)")
            solver.assert(z.unsignedLess(op, bmc.w(2 + UInt64(pages))))
            ops.append(op)
            states.append(state)
            state = bmc.step(state, op: op)
            solver.push()
            solver.assert(bmc.broken(state))
            let result = try solver.check()
            solver.pop()
            switch result {
            case .unsatisfiable: continue
            case .unknown(let reason): return .unknown("depth \(depth): \(reason)")
            case .satisfiable(let m):
                var operations: [GuestOperation] = [.probeDevice(DeviceConfig())]
                var lines: [(String, String)] = []
                for (k, op) in ops.enumerated() {
                    let v = m.word(op)
                    let operation: GuestOperation = switch v {
                    case 0: .failNextConversion(afterPages: 0)
                    case 1: .allocCoherent(device: 0, size: 4096, blocking: true)
                    default: .freeCoherent(coherent: Int(m.word(states[k].handle[Int(v) - 2])))
                    }
                    operations.append(operation)
                    lines.append(("step \(k + 1)", "\(operation)"))
                }
                let scenario = Scenario(platform: .tdx, operations: operations)
                return .refuted(Counterexample(
                    platform: .tdx, values: lines, scenario: replaying(.confFreelist, profile, [scenario])))
            }
        }
        return .proved
    }
}

extension Obligation {
    static let bmc: [Obligation] = [
        Obligation(
            id: "BMC-FREELIST",
            statement: "No sequence of coherent allocations, frees and failed conversions, up to the depth, puts a shared or unknown page on the free list.",
            protects: .confFreelist
        ) { profile, options throws(SMTError) in
            try FreelistBMC.check(profile, options)
        },
    ]
}
