@testable import BouncerProver
import BouncerPolicy
import SMT
import Testing

/// Obligations that no catalogue profile breaks, made to fire: a deliberately mis-encoded
/// platform, the SWIOTLB_FORCE state, or broken slot step or boundary rules. So none is a check that cannot fail.
@Suite struct ObligationFiringTests {
    func outcome(_ id: String, _ profile: Profile = .linuxUpstream, _ options: ProofOptions = ProofOptions()) throws -> Outcome {
        try Prover.obligations.first { $0.id == id }!.check(profile, options)
    }

    func refuted(_ o: Outcome) -> Bool { if case .refuted = o { true } else { false } }

    @Test func addressRoundTripFailsWhenTheSharedBitLiesInsideRam() throws {
        var p = Platform(.cca)
        p.dmaSharedMask = 1 << 20
        #expect(refuted(try outcome("ADDR-ROUNDTRIP", .linuxUpstream, ProofOptions(platforms: [p]))))
        #expect(!refuted(try outcome("ADDR-ROUNDTRIP", .linuxUpstream, ProofOptions(platforms: [Platform(.cca)]))))
    }

    @Test func theSharedAliasFailsWhenBothEncodingsSetTheSameBit() throws {
        var p = Platform(.sevSnp)
        p.dmaSharedMask = p.dmaEncryptedMask
        #expect(refuted(try outcome("ADDR-SHARED-ALIAS", .linuxUpstream, ProofOptions(platforms: [p]))))
    }

    @Test func dmaCapableIgnoresTheEncodingInTheSwiotlbForceState() throws {
        #expect(refuted(try outcome("ADDR-CAPABLE", Profile.builtIn(named: "linux-swiotlb-force")!)))
    }

    @Test func slotOverlapIsFoundWhenTheWalkBackCountsThroughUsedSlots() throws {
        var rules = SlotInduction.Rules()
        rules.countsBackward = { d, slot, _ in d.not(d.equal(d.bitAnd(slot, d.constant(UInt64(127))), d.constant(UInt64(127)))) }
        #expect(refuted(try SlotInduction.check(ProofOptions(), rules: rules)))
    }

    @Test func slotOverlapIsFoundWhenAReleaseForgetsTheFreeRunAfterIt() throws {
        var rules = SlotInduction.Rules()
        rules.releaseCarry = { d, _, _, _ in d.constant(UInt64(0)) }
        #expect(refuted(try SlotInduction.check(ProofOptions(), rules: rules)))
        #expect(!refuted(try SlotInduction.check(ProofOptions())))
    }

    /// A slot search that ignores the device's segment boundary (`iommu_is_span_boundary()` never
    /// says a run crosses) hands out runs across a window: SWIOTLB-NO-OVERLAP is refuted, and the
    /// counterexample names the boundary. With the policy's rule it holds.
    @Test func aSlotSearchThatIgnoresTheSegmentBoundaryIsRefuted() throws {
        var rules = SlotInduction.Rules()
        rules.crossesBoundary = { d, _, _, _, _ in d.constant(false) }
        guard case .refuted(let c) = try SlotInduction.check(ProofOptions(), rules: rules) else {
            Issue.record("not refuted")
            return
        }
        #expect(c.values.contains { $0.0 == "step" && $0.1.hasSuffix("across the boundary") }, "\(c.values)")
        #expect(!refuted(try SlotInduction.check(ProofOptions())))
    }

    /// A boundary rule that forgets where in its window the pool starts (`nr_slots(tbl_dma_addr)`
    /// taken as 0) is refuted too: the pool need not start on a window.
    @Test func aSlotSearchThatForgetsWhereThePoolStartsInItsWindowIsRefuted() throws {
        var rules = SlotInduction.Rules()
        rules.crossesBoundary = { d, index, nslots, _, maxSlots in
            d.swiotlbSpanCrossesBoundary(index: index, nslots: nslots, tblSlots: d.constant(UInt64(0)), maxSlots: maxSlots)
        }
        guard case .refuted(let c) = try SlotInduction.check(ProofOptions(), rules: rules) else {
            Issue.record("not refuted")
            return
        }
        #expect(c.values.contains { $0.0 == "step" && $0.1.hasSuffix("across the boundary") }, "\(c.values)")
    }

    /// No catalogue profile parses VMBus packets in place; the pre-2021 behaviour refutes the
    /// obligation, with a scenario that replays to a double fetch.
    @Test func inboundPacketsParsedInTheRingBreakSafeHostInput() throws {
        var old = Profile.linuxUpstream
        old.behaviours.vmbusInbound = .inPlace
        guard case .refuted(let c) = try outcome("POLICY-VMBUS-INBOUND", old) else {
            Issue.record("not refuted")
            return
        }
        #expect(c.scenario != nil)
        #expect(!refuted(try outcome("POLICY-VMBUS-INBOUND")))
    }
}
