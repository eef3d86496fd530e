/// What a finding means for the guest: whether the host gets to read what it must not, gets to
/// steer what the guest reads or copies, or neither. The invariant alone does not say: an
/// untrusted device handed a private page breaks CONF-BOUNCE, but the hardware (the RMM's
/// stage 2, pKVM's host stage 2, the TDX module, the ultravisor) keeps the host out of private
/// memory, so no byte is exposed and the I/O fails, often late; the same invariant broken by a
/// shared page the guest still treats as private does expose what it writes there. Each check
/// says which it found (`Violation.findingClass`); reports, replay and SARIF levels follow it.
public enum FindingClass: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Undisclosed guest bytes are readable by the host, or will be as soon as the guest writes
    /// to memory it believes private (a shared page on the free list, served as private memory).
    case confidentialityBreach = "confidentiality-breach"
    /// No undisclosed byte reaches the host, but the host (or another holder) decides what the
    /// guest reads or where it copies: out-of-bounds copies, foreign or stale bytes read back.
    case integrityBreach = "integrity-breach"
    /// The kernel breaks the DMA API's or the platform's contract and nothing is exposed: the
    /// hardware keeps the host out of private memory, so I/O fails late; or memory is lost.
    case contractBreak = "contract-break"

    public var description: String {
        switch self {
        case .confidentialityBreach: "confidentiality breach"
        case .integrityBreach: "integrity breach"
        case .contractBreak: "contract break, no exposure"
        }
    }

    /// In a sentence, for reports and the README.
    public var meaning: String {
        switch self {
        case .confidentialityBreach: "undisclosed guest bytes are, or become, readable by the host"
        case .integrityBreach: "the host or another holder decides what the guest reads or where it copies; nothing undisclosed is exposed"
        case .contractBreak: "the hardware keeps the host out of private memory: nothing is exposed, I/O fails late or memory is lost"
        }
    }
}

extension InvariantID {
    /// The class of a violation when its check says no more: what breaking the invariant means
    /// in general. Checks that can tell (CONF-BOUNCE, CONF-TRUSTED, CONF-POOL) set their own.
    public var defaultClass: FindingClass {
        switch self {
        case .confPrivate, .confBounce, .confTrusted, .confFreelist, .confPool: .confidentialityBreach
        // Bytes of another holder, or stale slot contents, reaching a buffer: the slot was shared
        // with the host already, so the harm is to what the guest reads.
        case .confStale, .safeHostInput, .dataIntegrity: .integrityBreach
        // A CPU access through an alias of the wrong attribute faults (TDX, CCA, an SNP RMP
        // check) or reaches another page than the one the device is given: nothing undisclosed
        // is exposed by it.
        case .safeLifecycle, .confAlias: .contractBreak
        }
    }

    /// The classes the invariant's checks can report, for the catalogue (`bouncer check`'s legend,
    /// docs/FINDINGS.md).
    public var possibleClasses: [FindingClass] {
        switch self {
        case .confBounce: [.confidentialityBreach, .integrityBreach, .contractBreak]
        case .confTrusted: [.confidentialityBreach, .integrityBreach]
        case .confPool: [.confidentialityBreach, .contractBreak]
        // `IntegrityChecks.callerPage`: a caller that holds another page than its device's.
        case .dataIntegrity: [.integrityBreach, .contractBreak]
        default: [defaultClass]
        }
    }
}
