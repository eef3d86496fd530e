@testable import BouncerCLI
import BouncerOracle
import BouncerPolicy
import BouncerProver
import Testing

/// `bouncer diff`'s verdict: one query per invariant decides whether the new profile breaks it
/// anywhere the old one keeps it, whatever the enumeration of classes does, and an unknown is
/// never an answer.
@Suite struct DiffVerdictTests {
    static func refuted(_ verdicts: [ProfileDiff.InvariantVerdict]) -> [InvariantID] {
        verdicts.compactMap { if case .refuted = $0.outcome { $0.invariant } else { nil } }
    }

    @Test func upstreamBreaksNothingTheSwiotlbForceStateKeeps() {
        let verdicts = ProfileDiff.verdict(old: profile("linux-swiotlb-force"), new: .linuxUpstream, options: ProofOptions())
        // CONF-PRIVATE is the oracle's alone; every other invariant (CONF-ALIAS, and SAFE-LIFECYCLE
        // through dma_free_pages()'s pool lookup) has a predicate.
        #expect(verdicts.count == 9)
        for v in verdicts {
            guard case .proved = v.outcome else {
                Issue.record("\(v.invariant): \(v.outcome)")
                continue
            }
        }
    }

    @Test func theFreelistCveBreaksConfFreelistWhereUpstreamKeepsIt() {
        let verdicts = ProfileDiff.verdict(old: .linuxUpstream, new: profile("cve-2024-35939"), options: ProofOptions())
        #expect(Self.refuted(verdicts) == [.confFreelist])
        #expect(verdicts.allSatisfy { v in
            if case .unknown = v.outcome { false } else { true }
        })
        // The witness names a confidential platform and the failing conversion.
        guard case .refuted(let c) = verdicts.first(where: { $0.invariant == .confFreelist })?.outcome else { return }
        #expect(c.platform != nil && c.platform != .nonConfidential)
        #expect(c.values.contains { $0.1.contains("set_memory_decrypted") })
    }

    /// The reverse change breaks nothing upstream keeps: a fix is not a regression.
    @Test func aFixBreaksNothing() {
        let verdicts = ProfileDiff.verdict(old: profile("cve-2024-35939"), new: .linuxUpstream, options: ProofOptions())
        #expect(Self.refuted(verdicts).isEmpty)
        #expect(verdicts.allSatisfy { v in
            if case .proved = v.outcome { true } else { false }
        })
    }

    /// A transport-only regression is found in its own part: seed 000 undone.
    @Test func aTransportRegressionIsFoundInItsPart() {
        var seed000 = profile("cvmbus-swiotlb")
        seed000.behaviours.vmbusExternalMemory = .accepted
        let verdicts = ProfileDiff.verdict(old: seed000, new: profile("cvmbus-swiotlb"), options: ProofOptions())
        #expect(Self.refuted(verdicts) == [.confTrusted])
        guard case .refuted(let c) = verdicts.first(where: { $0.invariant == .confTrusted })?.outcome else { return }
        #expect(c.values.first?.1 == "a VMBus channel offer")
    }

    @Test func aTinyTimeoutIsUnknownNeverAVerdict() {
        let verdicts = ProfileDiff.verdict(
            old: profile("linux-swiotlb-force"), new: .linuxUpstream, options: ProofOptions(timeoutMilliseconds: 1))
        // The true answer is "kept" everywhere: a timeout may only leave an invariant undecided.
        #expect(Self.refuted(verdicts).isEmpty)
        #expect(verdicts.contains { v in
            if case .unknown = v.outcome { true } else { false }
        })
    }

    @Test func theCommandExitsTwoWhenTheVerdictIsUnknown() {
        #expect(BouncerCommand.runToExitCode(["diff", "linux-swiotlb-force", "linux-upstream", "--timeout", "0.001"]) == 2)
    }

    /// The class limit cuts the explanation, not the answer: exit 1 still names the regression.
    @Test func aCutEnumerationKeepsTheVerdict() throws {
        let cut = try ProfileDiff.run(
            old: profile("linux-swiotlb-force"), new: .linuxUpstream, options: ProofOptions(), platforms: [.tdx], limitPerPlatform: 1)
        #expect(cut.cut == [.tdx] && cut.undecided == nil)
        #expect(BouncerCommand.runToExitCode(["diff", "linux-upstream", "cve-2022-0854", "--limit", "1"]) == 1)
        #expect(BouncerCommand.runToExitCode(["diff", "linux-upstream", "linux-upstream", "--limit", "1"]) == 0)
    }

    @Test func badUsageExitsTwo() {
        #expect(BouncerCommand.runToExitCode(["diff", "linux-upstream", "no-such-profile"]) == 2)
        #expect(BouncerCommand.runToExitCode(["diff", "linux-upstream", "linux-upstream", "--limit", "0"]) == 2)
    }
}
