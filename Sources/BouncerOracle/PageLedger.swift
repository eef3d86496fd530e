#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BouncerModel

/// The oracle's own record of who holds each page of guest memory, kept from the events that move
/// pages (`pagesTaken`, `freed`, `leaked`) rather than read from the model after the fact. It
/// starts from the booted guest; `Oracle()` without a boot has no ledger and skips conservation.
/// Holders are kept as small codes (kind and handle), so the checks compare integers.
struct PageLedger: Sendable {
    /// Per page, its holder's `code` as the events told it; empty when not seeded.
    var holders: [UInt32] = []
    /// The same holders as the model spells them, begun as a copy of the booted guest's own array
    /// and written only where events move pages: while the model moves pages only as its events
    /// say, its array stays equal to this one byte for byte, which `sameAsModel` tests at once.
    var owners: [PageOwner] = []

    var seeded: Bool { !holders.isEmpty }

    init() {}

    /// Seeded from the booted guest's holders (once per boot: `BootCache`, `BootedGuests`) in one
    /// plain loop into a buffer of the right size rather than through `map`'s closure or a range's
    /// iterator.
    init(_ owners: [PageOwner]) {
        holders = [UInt32](unsafeUninitializedCapacity: owners.count) { buffer, count in
            owners.withUnsafeBufferPointer { o in
                var page = 0
                while page < o.count {
                    buffer.initializeElement(at: page, to: Self.code(o[page]))
                    page += 1
                }
            }
            count = owners.count
        }
        self.owners = owners
    }

    /// Learns one page move, `pages` to `owner` (`taken`: a `pagesTaken` event, else a release),
    /// and judges it in the same pass over its pages: the first page it moves wrongly
    /// (`PageConservation.isBadMove`), with the holder the ledger had for it, or nil. One pass
    /// rather than a judging pass and a learning pass: a step moves pages about once, so the
    /// calls cost more than the pages.
    mutating func move(_ pages: Range<Int>, to owner: PageOwner, taken: Bool) -> (page: Int, before: UInt32)? {
        let code = Self.code(owner)
        var bad: (page: Int, before: UInt32)?
        // Plain loops: a `for` over the range went through its iterator.
        holders.withUnsafeMutableBufferPointer { h in
            var page = pages.lowerBound
            while page < pages.upperBound {
                let before = h[page]
                if bad == nil, PageConservation.isBadMove(before: before, taken: taken, to: code) { bad = (page, before) }
                h[page] = code
                page += 1
            }
        }
        owners.withUnsafeMutableBufferPointer { o in
            var page = pages.lowerBound
            while page < pages.upperBound {
                o[page] = owner
                page += 1
            }
        }
        return bad
    }

    /// Whether the model's array of holders is byte for byte this ledger's: then every page is
    /// where the events put it. Equal bytes are equal values, so a yes is exact; a no (a real
    /// difference, or padding between elements that differs) sends the caller to compare page by page.
    func sameAsModel(_ model: [PageOwner]) -> Bool {
        model.count == owners.count
            && model.withUnsafeBytes { m in owners.withUnsafeBytes { o in memcmp(m.baseAddress!, o.baseAddress!, m.count) == 0 } }
    }

    static let kindShift: UInt32 = 28
    static let free: UInt32 = 0
    static let slab: UInt32 = 1, buffer: UInt32 = 2, coherent: UInt32 = 3, atomicPool: UInt32 = 4
    static let swiotlbPool: UInt32 = 5, block: UInt32 = 6, leaked: UInt32 = 7

    @inline(__always) static func code(_ owner: PageOwner) -> UInt32 {
        func with(_ kind: UInt32, _ handle: Int) -> UInt32 { kind << kindShift | UInt32(truncatingIfNeeded: handle) & (1 << kindShift - 1) }
        switch owner {
        case .free: return free
        case .slab: return slab << kindShift
        case .buffer(let b): return with(buffer, b)
        case .coherent(let c): return with(coherent, c)
        case .atomicPool(let p): return with(atomicPool, p)
        case .swiotlbPool(let p): return with(swiotlbPool, p)
        case .block(let b): return with(block, b)
        case .leaked(let r): return with(leaked, Int(r.rawValue))
        }
    }

    /// The holder a code stands for, for reports.
    static func owner(_ code: UInt32) -> PageOwner {
        let handle = Int(code & (1 << kindShift - 1))
        switch code >> kindShift {
        case slab: return .slab
        case buffer: return .buffer(handle)
        case coherent: return .coherent(handle)
        case atomicPool: return .atomicPool(handle)
        case swiotlbPool: return .swiotlbPool(handle)
        case block: return .block(handle)
        case leaked: return .leaked(LeakReason(rawValue: UInt8(handle)) ?? .decryptFailed)
        default: return .free
        }
    }
}
