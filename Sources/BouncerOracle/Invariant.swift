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
    case confAlias = "CONF-ALIAS"

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
        case .confAlias: "The CPU reaches a page only through a kernel mapping whose encryption attribute matches the page's state."
        }
    }
}

/// Which check of the oracle found a violation: the model fact it judged. With the invariant,
/// the platform and the operation that ran, it is the path a finding took through the model, and
/// what tells a known finding from a new one (`KnownFindings`).
public enum ViolationSite: UInt8, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// A DMA address handed out through a `dma_map_*` mapping.
    case mappingHandout
    /// A DMA address handed out as a `dma_alloc_coherent()` allocation.
    case coherentHandout
    /// A DMA address a transport wrote for the device outside the DMA API (a GPADL, a virtqueue
    /// ring or descriptor).
    case transportHandout
    /// A pool served a request from memory of the wrong state.
    case poolServed
    /// `swiotlb_bounce()` copied outside its mapping.
    case bounceCopy
    /// `set_memory_decrypted()` shared a page in place while it held undisclosed bytes.
    case conversionInPlace
    /// A driver copied with a host-chosen length or offset outside its object.
    case driverCopy
    /// A host-writable field fetched twice in one step with two values.
    case doubleFetch
    /// What the CPU reads back after a sync or unmap.
    case readBack
    /// A page put back on the free list.
    case freedPage
    /// Undisclosed guest bytes found on a host-visible page (a write, a bounce, a conversion, or
    /// the end-of-run scan).
    case privateBytes
    /// What a freed or unmapped object held was not released.
    case release
    /// A holder of swiotlb memory was handed bytes of a slot it does not hold.
    case slotShared
    /// A page that is neither free, nor held by a live object that holds it, nor leaked on purpose.
    case pageConservation
    /// The CPU reached pages through a kernel virtual mapping (the linear map, a vmap alias) whose
    /// encryption attribute is not the pages' state.
    case cpuAlias

    public var description: String {
        switch self {
        case .mappingHandout: "mapping handed out"
        case .coherentHandout: "coherent allocation handed out"
        case .transportHandout: "address written by the transport"
        case .poolServed: "pool served"
        case .bounceCopy: "swiotlb_bounce copy"
        case .conversionInPlace: "set_memory_decrypted in place"
        case .driverCopy: "driver copy"
        case .doubleFetch: "double fetch"
        case .readBack: "CPU read-back"
        case .freedPage: "page freed"
        case .privateBytes: "private bytes on a visible page"
        case .release: "release"
        case .slotShared: "swiotlb slot not held"
        case .pageConservation: "page not accounted for"
        case .cpuAlias: "CPU access through a kernel alias"
        }
    }
}

/// A broken invariant: which, at which step, where, and whose bytes.
public struct Violation: Sendable, CustomStringConvertible, Equatable {
    public var invariant: InvariantID
    /// The check that found it.
    public var site: ViolationSite
    public var step: Int
    /// The page, slot, pool or buffer concerned, in the kernel's words.
    public var location: String { words.made.location }
    public var detail: String { words.made.detail }
    /// The page whose bytes a CONF-PRIVATE violation found exposed, so a later scan that finds the
    /// same bytes there again is told apart from a new exposure.
    public var page: Int? = nil
    /// What it means: a confidentiality breach, an integrity breach, or a contract break with
    /// nothing exposed (`FindingClass`); the invariant's `defaultClass` unless the check knew more.
    public var findingClass: FindingClass
    let words: Words

    /// The location and detail, made when asked for: a run past a known finding meets it at every
    /// step that repeats it, and its words, made at each, were most of such a step's cost; nothing
    /// reads them unless the violation is reported.
    enum Words: Sendable {
        case made(location: String, detail: String)
        case deferred(@Sendable () -> (location: String, detail: String))

        var made: (location: String, detail: String) {
            switch self {
            case let .made(location, detail): (location, detail)
            case let .deferred(make): make()
            }
        }
    }

    public var description: String { "\(invariant.rawValue) (\(findingClass)) at step \(step): \(location): \(detail)" }

    /// For checkers outside this module (the kernel side of the differential runner).
    public init(
        invariant: InvariantID, site: ViolationSite, step: Int, location: String, detail: String, page: Int? = nil,
        findingClass: FindingClass? = nil
    ) {
        self.init(invariant: invariant, site: site, step: step, page: page, findingClass: findingClass, words: .made(location: location, detail: detail))
    }

    /// With its words made only when read (`Words`): for a check that a known finding meets often.
    init(
        invariant: InvariantID, site: ViolationSite, step: Int, page: Int? = nil, findingClass: FindingClass? = nil,
        deferred words: @escaping @Sendable () -> (location: String, detail: String)
    ) {
        self.init(invariant: invariant, site: site, step: step, page: page, findingClass: findingClass, words: .deferred(words))
    }

    private init(invariant: InvariantID, site: ViolationSite, step: Int, page: Int?, findingClass: FindingClass?, words: Words) {
        self.invariant = invariant
        self.site = site
        self.step = step
        self.page = page
        self.findingClass = findingClass ?? invariant.defaultClass
        self.words = words
    }

    /// The same violation: the same fields and the same words, however they were made.
    public static func == (a: Violation, b: Violation) -> Bool {
        a.invariant == b.invariant && a.site == b.site && a.step == b.step && a.page == b.page
            && a.findingClass == b.findingClass && a.location == b.location && a.detail == b.detail
    }
}
