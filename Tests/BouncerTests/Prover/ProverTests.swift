import BouncerOracle
import BouncerPolicy
import BouncerProver
import BouncerRunner
import Testing

/// `bouncer prove`: upstream proves everything; each catalogue profile is refuted by the
/// obligation guarding the invariant docs/DESIGN.md section 11 names, and the counterexample replays.
@Suite struct ProverTests {
    @Test func linuxUpstreamProvesEveryObligation() {
        for r in Prover.run(.linuxUpstream, options: ProofOptions()) {
            guard case .proved = r.outcome else {
                Issue.record("\(r.obligation.id): \(r.outcome)")
                continue
            }
        }
    }

    // Every catalogue profile's refutation, and its replay, is checked once, in CatalogueTests.

    /// linux-6.12 is refuted where 6.12 lacks the 2026 series and device_cc_accepted(): every
    /// refuted policy obligation comes with a scenario that replays to the invariant it guards
    /// (POLICY-CONF-BOUNCE's witness is a 24-bit device without swiotlb, whose buffer must come
    /// from ZONE_DMA; its configuration must be one a device byte names).
    @Test func everyRefutedPolicyObligationOfLinux612ReplaysAsAScenario() {
        let policy = Prover.run(profile("linux-6.12"), options: ProofOptions()).filter { $0.obligation.id.hasPrefix("POLICY-") }
        var refuted: [String] = []
        for r in policy {
            guard case .refuted(let c) = r.outcome else { continue }
            refuted.append(r.obligation.id)
            guard let scenario = c.scenario else {
                Issue.record("\(r.obligation.id): no scenario replays \(c.values)")
                continue
            }
            let again = ScenarioCodec.decode(ScenarioCodec.encode(scenario, target: .dma), target: .dma)
            #expect(Runner.run(again, profile: profile("linux-6.12")).firstViolation?.invariant == r.obligation.protects, "\(r.obligation.id)")
        }
        // 6.12 also remaps a non-coherent device's allocation without decrypting it (fixed by
        // f253a83ff94c) and frees dma_alloc_pages() pool pages it looks up by the linear map
        // (fixed by 8a9dc4a028e7), both under CONFIG_DMA_DIRECT_REMAP.
        #expect(refuted == [
            "POLICY-CONF-BOUNCE", "POLICY-CONF-TRUSTED", "POLICY-CONF-POOL", "POLICY-CONF-FREELIST", "POLICY-CONF-ALIAS",
            "POLICY-POOL-FREE-PAGES",
        ])
    }

    /// 6.12's dma_capable() does not look at the encoding: a device that needs unencrypted DMA
    /// and is mapped directly is handed the encrypted (private) alias. The counterexample replays.
    @Test func theRefutationOfAddrCapableOnLinux612ReplaysAsAScenario() throws {
        let r = try #require(Prover.run(profile("linux-6.12"), options: ProofOptions(), only: ["ADDR-CAPABLE"]).first)
        guard case .refuted(let c) = r.outcome else {
            Issue.record("\(r.outcome)")
            return
        }
        let scenario = try #require(c.scenario, "no scenario replays \(c.values)")
        #expect(Runner.run(scenario, profile: profile("linux-6.12")).firstViolation?.invariant == .confBounce)
        guard case .proved = Prover.run(.linuxUpstream, options: ProofOptions(), only: ["ADDR-CAPABLE"]).first?.outcome else {
            Issue.record("ADDR-CAPABLE is not proved on linux-upstream")
            return
        }
    }

    @Test func theBoundedModelCheckFindsTheShortestFreelistBreak() {
        let r = Prover.run(profile("cve-2024-35939"), options: ProofOptions(depth: 6), only: ["BMC-FREELIST"])
        guard case .refuted(let c) = r.first?.outcome, let scenario = c.scenario else {
            Issue.record("\(String(describing: r.first?.outcome))")
            return
        }
        // device_add, arm the failure, allocate.
        #expect(scenario.operations.count == 3)
        #expect(Runner.run(scenario, profile: profile("cve-2024-35939")).firstViolation?.invariant == .confFreelist)
    }

    @Test func aDiffOfAProfileWithItselfIsEmpty() throws {
        let r = try ProfileDiff.run(old: .linuxUpstream, new: .linuxUpstream, options: ProofOptions(), platforms: [.tdx])
        #expect(r.classes.isEmpty && r.cut.isEmpty && r.undecided == nil)
    }

    @Test func theSwiotlbForceStateDiffersFromUpstreamOnlyWhereTheOldSideBreaksOrBothKeep() throws {
        // Which classes the first 32 of a group are depends on the solver's search (the restricted
        // pool's terms changed it): the trusted-device class is asked of the first 256.
        let r = try ProfileDiff.run(
            old: profile("linux-swiotlb-force"), new: .linuxUpstream, options: ProofOptions(), platforms: [.tdx], limitPerPlatform: 256)
        #expect(!r.classes.isEmpty)
        #expect(r.classes.allSatisfy { $0.newBreaks.isEmpty })
        #expect(r.classes.contains { $0.conditions.contains("trusted device") && $0.oldBreaks.contains(.confTrusted) })
    }

    @Test func aDiffTowardsABugNamesTheInvariantTheNewSideBreaks() throws {
        let r = try ProfileDiff.run(old: .linuxUpstream, new: profile("cve-2022-0854"), options: ProofOptions(), platforms: [.tdx])
        #expect(r.classes.contains { $0.newBreaks.contains(.confStale) })
        #expect(r.classes.allSatisfy { $0.oldBreaks.isEmpty })
    }

    /// Seed 000 as a profile change: the only class is the co_external_memory channel, where the
    /// old side breaks CONF-TRUSTED and the new keeps everything; no DMA feature is dragged in.
    @Test func aTransportDiffNamesOnlyItsOwnFeatures() throws {
        var seed000 = profile("cvmbus-swiotlb")
        seed000.behaviours.vmbusExternalMemory = .accepted
        let r = try ProfileDiff.run(old: profile("cvmbus-swiotlb"), new: seed000, options: ProofOptions(), platforms: [.tdx])
        #expect(r.classes.count == 1 && r.cut.isEmpty && r.undecided == nil)
        #expect(r.classes.first?.conditions == ["VMBus channel has co_external_memory"])
        #expect(r.classes.first?.oldBreaks == [.confTrusted] && r.classes.first?.newBreaks == [])
    }
}
