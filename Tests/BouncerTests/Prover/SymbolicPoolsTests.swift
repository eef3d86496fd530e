import BouncerModel
import BouncerPolicy
@testable import BouncerProver
import SMT
import Testing

/// The pools the policy queries reason about are the pools the model boots.
@Suite struct SymbolicPoolsTests {
    /// The boot pool's pages, as a query sees a bounce that lands in it with its conversion
    /// working, are shared exactly where the booted model's default pool is, and private exactly
    /// where the model left it private, on every platform under every built-in profile. A 6.12
    /// pKVM guest is where the two once parted: arm64's `mem_init()` does not call
    /// `swiotlb_update_mem_attributes()` before fbf979a01375 (`swiotlbDefaultPoolDecrypts`), so
    /// the model keeps the pool private while the query took any worked conversion as shared.
    @Test func theBootPoolsPagesAreWhatTheModelBoots() throws {
        var privateSomewhere: [String] = []
        for profile in Profile.builtIn {
            for kind in PlatformKind.allCases {
                var model = DmaLayer(platform: kind, behaviours: profile.behaviours)
                // The query's pseries pool is the one after UV_ESM, which shares it again.
                model.enterSecureMode()
                let pool = try #require(model.swiotlbPools.first { $0.kind == .defaultPool })
                let states = pool.pages.map { model.memory.state(PageNumber($0)) }
                let shared = states.allSatisfy { $0 == .decrypted }
                let encrypted = states.allSatisfy { $0 == .encrypted }
                #expect(shared || encrypted, "\(profile.name) on \(kind): the boot pool is \(states)")
                if encrypted, kind != .nonConfidential { privateSomewhere.append("\(profile.name) \(kind.rawValue)") }

                let z = Context()
                let d = Z3Domain(z)
                let solver = Solver(z, timeoutMilliseconds: 20_000)
                let platform = Platform(kind)
                let p = PlatformTerms(d, platform)
                let b = BehaviourTerms(d, profile.behaviours)
                let dev = SymbolicDevice(d, solver, p)
                let pools = SymbolicPools(
                    d, solver, platform, p, dev.terms, b, bounceWantsShared: d.swiotlbWantsShared(p, dev.terms, b),
                    allocWantsShared: d.forceDmaUnencrypted(p, dev.terms, b))
                // The model's boot: no failure armed, no restricted-dma-pool, the bounce in the boot pool.
                solver.assert(z.and([pools.bootConverted, z.not(dev.terms.restrictedPool), z.not(pools.inDynamic), z.not(pools.inTransient)]))
                solver.assert(z.or(
                    z.not(z.equal(pools.bounce.decrypted, z.boolean(value: shared))),
                    z.not(z.equal(pools.bounce.encrypted, z.boolean(value: encrypted)))))
                guard case .unsatisfiable = try solver.check() else {
                    Issue.record("\(profile.name) on \(kind): the query's boot pool can differ from the model's (\(shared ? "shared" : "private"))")
                    continue
                }
            }
        }
        // The case that pins the difference is among those checked.
        #expect(privateSomewhere.contains("linux-6.12 pkvm"), "\(privateSomewhere)")
    }
}
