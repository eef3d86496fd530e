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
    /// Literals in switches rather than a table: every address translation reads them, and a
    /// static array costs a lazy-initialisation check and bounds checks on each read.
    @inlinable public static func base(of zone: Int) -> UInt64 {
        zone == 0 ? 0x0010_0000 : zone == 1 ? 0x4000_0000 : 0x1_0000_0000
    }

    @inlinable public static func pages(of zone: Int) -> Int { zone == 0 ? 32 : zone == 1 ? 160 : 128 }

    /// The page index of a zone's first page (zones are numbered as `Zone.rawValue`).
    @inlinable public static func firstPage(of zone: Int) -> Int { zone == 0 ? 0 : zone == 1 ? 32 : 192 }

    public static let pageCount = 320
    /// `(max_pfn - 1) << PAGE_SHIFT`: where the last page of RAM starts.
    public static let lastPagePhys = phys(ofPage: pageCount - 1)

    public internal(set) var states: [PageState]
    public internal(set) var owners: [PageOwner]
    public internal(set) var contents: ProvenanceMap
    /// Per zone, a page at or below the lowest free one: first-fit starts its search here.
    var freeHint: [Int] = (0 ..< 3).map(GuestMemory.firstPage(of:))

    public init() {
        states = Array(repeating: .encrypted, count: Self.pageCount)
        owners = Array(repeating: .free, count: Self.pageCount)
        contents = ProvenanceMap(size: UInt32(Self.pageCount) * UInt32(Self.pageSize))
    }

    @inlinable public static func zone(ofPage page: Int) -> Zone {
        page < firstPage(of: 1) ? .dma : page < firstPage(of: 2) ? .dma32 : .normal
    }

    @inlinable public static func phys(ofPage page: Int) -> UInt64 {
        let z = zone(ofPage: page).rawValue
        return base(of: z) + UInt64(page - firstPage(of: z)) << pageShift
    }

    /// The page holding a physical address, or nil for an address that is not RAM.
    @inlinable public static func page(ofPhys phys: UInt64) -> Int? {
        for z in 0 ..< 3 where phys >= base(of: z) && phys - base(of: z) < UInt64(pages(of: z)) << pageShift {
            return firstPage(of: z) + Int((phys - base(of: z)) >> pageShift)
        }
        return nil
    }

    /// Bytes from `phys` to the end of its zone's region (one page's worth outside RAM, so a walk
    /// over a range that leaves RAM still moves on).
    @inlinable public static func bytesToZoneEnd(_ phys: UInt64) -> UInt64 {
        for z in 0 ..< 3 where phys >= base(of: z) && phys - base(of: z) < UInt64(pages(of: z)) << pageShift {
            return base(of: z) + UInt64(pages(of: z)) << pageShift - phys
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
            let end = Self.firstPage(of: z) + Self.pages(of: z)
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
            if last != z { freeHint[last] = Self.firstPage(of: last) }
        } else if pages.lowerBound == freeHint[z] {
            freeHint[z] = min(pages.upperBound, Self.firstPage(of: z) + Self.pages(of: z))
        }
    }

    mutating func setState(_ page: Int, _ state: PageState) { states[page] = state }

    /// `PFN_DOWN()` for an address in RAM: the page holding it, or nil where no page is
    /// (`pfn_valid()` false: an MMIO resource, an address past the zones).
    @inlinable public static func pfnDown(_ phys: PhysAddr) -> PageNumber? { page(ofPhys: phys.raw).map(PageNumber.init) }

    /// `PFN_PHYS()`: the first address of a page.
    @inlinable public static func pfnPhys(_ page: PageNumber) -> PhysAddr { PhysAddr(phys(ofPage: page.raw)) }

    /// The dense index of the byte at `phys`, or nil outside RAM.
    @inlinable public static func byteIndex(of phys: PhysAddr) -> ByteIndex? { byteIndex(ofPhys: phys.raw).map(ByteIndex.init) }

    @inlinable public static func phys(of index: ByteIndex) -> PhysAddr { PhysAddr(phys(ofByteIndex: index.raw)) }

    /// The bytes of a run of pages, as dense indices.
    @inlinable public static func byteRange(of pages: Range<PageNumber>) -> (ByteIndex, ByteIndex) {
        (pages.lowerBound.firstByte, pages.upperBound.firstByte)
    }

    @inlinable public func state(_ page: PageNumber) -> PageState { states[page.raw] }
    @inlinable public func owner(_ page: PageNumber) -> PageOwner { owners[page.raw] }
    @inlinable public func hostVisible(_ page: PageNumber, confidential: Bool) -> Bool {
        hostVisible(page: page.raw, confidential: confidential)
    }

    /// Byte-index range of a run of pages.
    @inlinable public static func byteRange(ofPages pages: Range<Int>) -> (UInt32, UInt32) {
        (UInt32(pages.lowerBound) << UInt32(pageShift), UInt32(pages.upperBound) << UInt32(pageShift))
    }
}
