import BouncerPolicy

/// The page-allocator zones, as `dma_direct_optimal_gfp_mask()` chooses between them.
public enum Zone: Int, CaseIterable, Sendable {
    case dma, dma32, normal

    public var name: String { ["ZONE_DMA", "ZONE_DMA32", "ZONE_NORMAL"][rawValue] }
}

/// Whether the host can see a page.
public enum PageState: UInt8, Sendable, CustomStringConvertible {
    case encrypted, decrypted
    /// A conversion failed midway: the guest cannot tell whether the host can see the page.
    case unknown

    public var description: String { ["private", "shared", "unknown"][Int(rawValue)] }
}

/// Why the kernel leaked pages on purpose.
public enum LeakReason: UInt8, Sendable, CustomStringConvertible {
    case decryptFailed, reencryptFailed
    /// The host did not release a GPADL (`vmbus_teardown_gpadl()` failed), so it may still use the pages.
    case hostKeptGpadl
    public var description: String {
        switch self {
        case .decryptFailed: "set_memory_decrypted failed"
        case .reencryptFailed: "set_memory_encrypted failed"
        case .hostKeptGpadl: "the host kept the GPADL"
        }
    }
}

/// Who holds a page: the page allocator, a kernel object, or nobody on purpose.
public enum PageOwner: Hashable, Sendable, CustomStringConvertible {
    case free
    /// A slab page holding small `kmalloc` objects.
    case slab
    /// A `kmalloc` buffer of a page or more (`kmalloc_large`), by buffer handle.
    case buffer(Int)
    /// A coherent allocation's own pages, by coherent handle.
    case coherent(Int)
    case atomicPool(Int)
    case swiotlbPool(Int)
    /// Pages a transport allocated for itself (ring buffers, GPADL buffers, virtqueues), by block handle.
    case block(Int)
    case leaked(LeakReason)

    public var description: String {
        switch self {
        case .free: "free"
        case .slab: "slab"
        case .buffer(let b): "buffer \(b)"
        case .coherent(let c): "coherent \(c)"
        case .atomicPool(let p): "atomic pool \(p)"
        case .swiotlbPool(let p): "swiotlb pool \(p)"
        case .block(let b): "block \(b)"
        case .leaked(let r): "leaked (\(r))"
        }
    }
}

/// Guest physical memory: a small machine with one region per zone, 4 KiB pages, a page state
/// and an owner per page, and the provenance of every byte.
///
/// Bytes are addressed two ways: by guest physical address, as the kernel does, and by a dense
/// *byte index* (page index × 4096 + offset) that the provenance map uses.
public struct GuestMemory: Sendable {
    public static let pageSize: UInt64 = 4096
    public static let pageShift: UInt64 = 12
    /// Zone regions: base physical address and number of pages. ZONE_DMA lies below 16 MiB,
    /// ZONE_DMA32 below 4 GiB, ZONE_NORMAL above it, so 32-bit masks and `bus_dma_limit` matter.
    public static let regions: [(zone: Zone, base: UInt64, pages: Int)] = [
        (.dma, 0x0010_0000, 32),
        (.dma32, 0x4000_0000, 160),
        (.normal, 0x1_0000_0000, 128),
    ]
    public static let pageCount = regions.reduce(0) { $0 + $1.pages }
    public static let firstPage: [Int] = {
        var first = 0
        return regions.map { r in defer { first += r.pages }; return first }
    }()

    public internal(set) var states: [PageState]
    public internal(set) var owners: [PageOwner]
    public internal(set) var contents: ProvenanceMap
    /// Per zone, a page at or below the lowest free one: first-fit starts its search here.
    var freeHint: [Int] = GuestMemory.firstPage

    public init() {
        states = Array(repeating: .encrypted, count: Self.pageCount)
        owners = Array(repeating: .free, count: Self.pageCount)
        contents = ProvenanceMap(size: UInt32(Self.pageCount) * UInt32(Self.pageSize))
    }

    @inlinable public static func zone(ofPage page: Int) -> Zone {
        page < firstPage[1] ? .dma : page < firstPage[2] ? .dma32 : .normal
    }

    @inlinable public static func phys(ofPage page: Int) -> UInt64 {
        let z = zone(ofPage: page).rawValue
        return regions[z].base + UInt64(page - firstPage[z]) << pageShift
    }

    /// The page holding a physical address, or nil for an address that is not RAM.
    @inlinable public static func page(ofPhys phys: UInt64) -> Int? {
        for z in 0 ..< regions.count {
            let r = regions[z]
            if phys >= r.base, phys - r.base < UInt64(r.pages) << pageShift {
                return firstPage[z] + Int((phys - r.base) >> pageShift)
            }
        }
        return nil
    }

    /// Bytes from `phys` to the end of its zone's region (one page's worth outside RAM, so a walk
    /// over a range that leaves RAM still moves on).
    @inlinable public static func bytesToZoneEnd(_ phys: UInt64) -> UInt64 {
        for r in regions where phys >= r.base && phys - r.base < UInt64(r.pages) << pageShift {
            return r.base + UInt64(r.pages) << pageShift - phys
        }
        return pageSize - (phys & (pageSize - 1))
    }

    @inlinable public static func byteIndex(ofPhys phys: UInt64) -> UInt32? {
        guard let page = page(ofPhys: phys) else { return nil }
        return UInt32(page) << UInt32(pageShift) | UInt32(phys & (pageSize - 1))
    }

    @inlinable public static func phys(ofByteIndex index: UInt32) -> UInt64 {
        phys(ofPage: Int(index >> UInt32(pageShift))) + UInt64(index & UInt32(pageSize - 1))
    }

    /// The host sees a page unless the guest is confidential and the page is certainly private.
    @inlinable public func hostVisible(page: Int, confidential: Bool) -> Bool {
        !confidential || states[page] != .encrypted
    }

    /// First-fit search for `count` contiguous free pages, from `highest` down to ZONE_DMA, as a
    /// zonelist falls back (`__alloc_pages` with the zone `gfp_zone()` picks).
    public func findFreePages(_ count: Int, highest: Zone) -> Int? {
        var z = highest.rawValue
        while z >= 0 {
            let first = freeHint[z]
            let end = Self.firstPage[z] + Self.regions[z].pages
            var run = 0
            var page = first
            while page < end {
                if owners[page] == .free {
                    run += 1
                    if run == count { return page - count + 1 }
                } else {
                    run = 0
                }
                page += 1
            }
            z -= 1
        }
        return nil
    }

    mutating func setOwner(_ pages: Range<Int>, _ owner: PageOwner) {
        guard !pages.isEmpty else { return }
        for p in pages { owners[p] = owner }
        let z = Self.zone(ofPage: pages.lowerBound).rawValue
        if owner == .free {
            freeHint[z] = min(freeHint[z], pages.lowerBound)
            let last = Self.zone(ofPage: pages.upperBound - 1).rawValue
            if last != z { freeHint[last] = Self.firstPage[last] }
        } else if pages.lowerBound == freeHint[z] {
            freeHint[z] = min(pages.upperBound, Self.firstPage[z] + Self.regions[z].pages)
        }
    }

    mutating func setState(_ page: Int, _ state: PageState) { states[page] = state }

    /// Byte-index range of a run of pages.
    @inlinable public static func byteRange(ofPages pages: Range<Int>) -> (UInt32, UInt32) {
        (UInt32(pages.lowerBound) << UInt32(pageShift), UInt32(pages.upperBound) << UInt32(pageShift))
    }
}
