import BouncerModel
import BouncerPolicy

/// CONF-ALIAS: the CPU reaches pages only through a kernel virtual mapping whose encryption
/// attribute is the pages' state. A decrypted alias of a private page reaches the host's page at
/// the shared alias (TDX, CCA) or takes an RMP fault (SEV-SNP), while the device is handed the
/// private one; an encrypted alias of a shared page faults (TDX, CCA) or writes ciphertext where the
/// host reads (SEV-SNP). The oracle judges the alias the model recorded against its own record
/// of the page states (`PageStateShadow`, from the conversion events), with its own statement of
/// which platforms' page tables carry the attribute.
enum AliasChecks {
    /// Where `pgprot_decrypted()` changes a page-table entry: TDX's shared bit, the SEV C-bit,
    /// vTOM's boundary bit, CCA's `PROT_NS_SHARED`. pKVM (arm64's `PROT_NS_SHARED` is zero outside
    /// a realm), s390 PV and pseries map shared and private pages alike, so any alias reaches the
    /// page as it is.
    static func pageTablesCarryAttribute(_ kind: PlatformKind) -> Bool {
        switch kind {
        case .tdx, .sevSnp, .sevSnpVtom, .cca: true
        case .nonConfidential, .pkvm, .s390Pv, .pseriesSvm: false
        }
    }

    /// The access is judged against each page's state at that point of the step, as the
    /// oracle's own `PageStateShadow` has followed the step's conversions so far: a page a later
    /// event of the same step converts or frees (an NVMe probe that frees its first queue when the
    /// second cannot be had) is judged as the access met it, not as the step left it.
    /// Inlined into `Oracle.check`, the violation built out of line: an access is judged in a few
    /// instructions, where the call and its optional answer cost more.
    @inline(__always) static func check(_ event: Event, _ states: PageStateShadow, _ system: DmaLayer, _ step: Int) -> Violation? {
        guard case let .cpuAccessed(lo, hi, alias) = event, lo < hi, states.seeded, system.platform.confidential,
            pageTablesCarryAttribute(system.platform.kind)
        else { return nil }
        let last = ByteIndex(hi.raw - 1).page
        var page = lo.page
        // A page's bits: private 0, shared 1, unknown 2 (or 3), so unknown is 2 and above.
        let shared = UInt64(PageState.decrypted.rawValue), unknown = UInt64(PageState.unknown.rawValue)
        while page <= last {
            let bits = states.bits(page)
            if bits >= unknown || (bits == shared) != alias.decrypted { return violation(page, states.state(page), alias, step) }
            page = PageNumber(page.raw + 1)
        }
        return nil
    }

    /// The CONF-ALIAS violation for an access that met `page` in `state`.
    @inline(never) static func violation(_ page: PageNumber, _ state: PageState, _ alias: KernelAlias, _ step: Int) -> Violation {
        let phys = GuestMemory.phys(ofPage: page.raw)
        return Violation(
            invariant: .confAlias, site: .cpuAlias, step: step, location: "page \(page.raw) (\(hex(phys)))",
            detail: "the CPU wrote through a \(alias) to a \(state) page", page: page.raw)
    }
}

extension PlatformKind {
    /// The oracle's statement of where a page-table entry carries the encryption attribute
    /// (`AliasChecks`), for the prover's CONF-ALIAS obligation.
    public var pageTablesCarryEncryptionAttribute: Bool { AliasChecks.pageTablesCarryAttribute(self) }
}
