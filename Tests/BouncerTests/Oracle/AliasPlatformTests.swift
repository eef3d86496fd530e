@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import Testing

/// CONF-ALIAS on every platform, not only TDX (where `EventRoutingTests` runs): the oracle hands a
/// CPU access to the alias check wherever a kernel virtual mapping's page-table entry carries the
/// encryption attribute, and judges none where it does not.
@Suite struct AliasPlatformTests {
    /// Where `pgprot_decrypted()` changes the entry: TDX's shared bit, the SEV C-bit, vTOM's
    /// boundary bit, CCA's `PROT_NS_SHARED`. Stated here rather than read from the oracle, so a
    /// check narrowed to fewer platforms (or widened to more) fails this test. On pKVM, s390 PV
    /// and pseries an alias reaches the page as it is; a guest that is not confidential has no
    /// shared pages at all.
    static let attributeInPageTables: Set<PlatformKind> = [.tdx, .sevSnp, .sevSnpVtom, .cca]

    /// A private kmalloc page written through a decrypted linear-map alias: the host's page at
    /// the shared alias (TDX, CCA) or an RMP fault (SEV-SNP), reported as CONF-ALIAS on the
    /// platforms whose page tables carry the attribute and on no other.
    @Test(arguments: PlatformKind.allCases)
    func aDecryptedAliasOfAPrivatePageIsReportedWhereThePageTablesCarryTheAttribute(_ platform: PlatformKind) throws {
        var s = system(platform)
        let made = s.kmalloc(size: 4096)
        let b = try #require(made)
        var oracle = Oracle(booted: s)
        s.beginStep()
        s.cpuAccess(phys: s.buffers[b].phys, size: 64, through: KernelAlias(.linearMap, decrypted: true))
        #expect(s.events.count == 1, "the access is recorded on \(platform) too: \(s.events)")
        let found = oracle.check(s, step: 0)
        if Self.attributeInPageTables.contains(platform) {
            #expect(found.map(\.invariant) == [.confAlias], "\(platform): \(found)")
            #expect(found.first?.site == .cpuAlias && found.first?.detail.contains("to a private page") == true, "\(found)")
        } else {
            #expect(found.isEmpty, "\(platform): \(found)")
        }
    }
}
