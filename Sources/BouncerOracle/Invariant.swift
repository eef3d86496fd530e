/// The invariants of docs/DESIGN.md section 4, by stable ID.
public enum InvariantID: String, CaseIterable, Sendable, Codable {
    case confPrivate = "CONF-PRIVATE"
    case confBounce = "CONF-BOUNCE"
    case confTrusted = "CONF-TRUSTED"
    case confFreelist = "CONF-FREELIST"
    case confStale = "CONF-STALE"
    case confPool = "CONF-POOL"
    case safeHostInput = "SAFE-HOSTINPUT"
    case safeLifecycle = "SAFE-LIFECYCLE"
    case dataIntegrity = "DATA-INTEGRITY"

    public var statement: String {
        switch self {
        case .confPrivate: "No undisclosed guest byte ever sits in a host-visible page."
        case .confBounce: "An untrusted device is only handed DMA addresses of memory made shared on purpose."
        case .confTrusted: "A trusted device's DMA never goes through a decrypted bounce buffer or pool."
        case .confFreelist: "No shared or unknown page is ever on the free list."
        case .confStale: "No byte flows through a bounce slot into a buffer it does not belong to."
        case .confPool: "A pool's encryption state matches every request it serves."
        case .safeHostInput: "No host-controlled value makes the guest copy out of bounds."
        case .safeLifecycle: "Every allocation and mapping is accounted for, except memory leaked on purpose."
        case .dataIntegrity: "After a transfer the guest reads what the device wrote, and its own bytes elsewhere."
        }
    }
}

/// A broken invariant: which, at which step, where, and whose bytes.
public struct Violation: Sendable, CustomStringConvertible, Equatable {
    public var invariant: InvariantID
    public var step: Int
    /// The page, slot, pool or buffer concerned, in the kernel's words.
    public var location: String
    public var detail: String

    public var description: String { "\(invariant.rawValue) at step \(step): \(location): \(detail)" }
}
