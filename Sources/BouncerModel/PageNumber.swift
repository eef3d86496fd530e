import BouncerPolicy

/// A page of the model's guest memory by its place in the memory map: the model's `struct page`,
/// numbered densely over its three zones (so not the PFN itself; `GuestMemory.pfnDown` and
/// `GuestMemory.pfnPhys` convert, as `PFN_DOWN()` and `PFN_PHYS()` do).
public struct PageNumber: Hashable, Strideable, Sendable, CustomStringConvertible {
    public var raw: Int

    @inlinable @inline(__always) public init(_ raw: Int) { self.raw = raw }

    @inlinable public func distance(to other: PageNumber) -> Int { other.raw - raw }
    @inlinable public func advanced(by n: Int) -> PageNumber { PageNumber(raw + n) }

    /// The first byte of the page.
    @inlinable public var firstByte: ByteIndex { ByteIndex(UInt32(truncatingIfNeeded: raw) << UInt32(GuestMemory.pageShift)) }

    public var description: String { String(raw) }
}

extension Range where Bound == PageNumber {
    /// The pages of a run the allocator found by index.
    @inlinable @inline(__always) public init(_ pages: Range<Int>) {
        self = PageNumber(pages.lowerBound) ..< PageNumber(pages.upperBound)
    }

    /// The same run as indices into the memory map's arrays.
    @inlinable public var rawRange: Range<Int> { lowerBound.raw ..< upperBound.raw }
}

/// A byte of guest memory by its dense index (page number × 4096 + offset in the page): the key of
/// the provenance map, which has no holes between zones.
public struct ByteIndex: Hashable, Comparable, Sendable {
    public var raw: UInt32

    @inlinable @inline(__always) public init(_ raw: UInt32) { self.raw = raw }

    @inlinable public static func < (a: ByteIndex, b: ByteIndex) -> Bool { a.raw < b.raw }
    @inlinable @inline(__always) public static func + (a: ByteIndex, n: UInt32) -> ByteIndex { ByteIndex(a.raw &+ n) }

    /// The page the byte lies in.
    @inlinable public var page: PageNumber { PageNumber(Int(raw >> UInt32(GuestMemory.pageShift))) }
}
