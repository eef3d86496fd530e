/// `phys_addr_t`: a guest-physical address, what the CPU's page tables and the page allocator use.
///
/// A distinct type from `DmaAddr` so that a physical address and a DMA address cannot be swapped
/// silently: the ways between them are `physToDma` and `dmaToPhys` (the kernel's `phys_to_dma()`
/// and `dma_to_phys()`), and the oracle's own `AddressEncoding`.
public struct PhysAddr: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: UInt64

    @inlinable @inline(__always) public init(_ raw: UInt64) { self.raw = raw }

    @inlinable public static func < (a: PhysAddr, b: PhysAddr) -> Bool { a.raw < b.raw }
    /// `phys + bytes`, wrapping as C's `phys_addr_t` arithmetic does.
    @inlinable @inline(__always) public static func + (a: PhysAddr, bytes: UInt64) -> PhysAddr { PhysAddr(a.raw &+ bytes) }
    /// The bytes from `b` up to `a`.
    @inlinable @inline(__always) public static func - (a: PhysAddr, b: PhysAddr) -> UInt64 { a.raw &- b.raw }

    /// The start of the 4 KiB page holding the address (`PAGE_ALIGN_DOWN()`).
    @inlinable public var pageAlignedDown: PhysAddr { PhysAddr(raw & ~4095) }

    public var description: String { "0x" + String(raw, radix: 16) }
}

/// `dma_addr_t`: an address as a device sees it, with the platform's encryption bit or shared
/// alias and the device's `dma_range_map` offset applied.
public struct DmaAddr: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: UInt64

    @inlinable @inline(__always) public init(_ raw: UInt64) { self.raw = raw }

    @inlinable public static func < (a: DmaAddr, b: DmaAddr) -> Bool { a.raw < b.raw }
    @inlinable @inline(__always) public static func + (a: DmaAddr, bytes: UInt64) -> DmaAddr { DmaAddr(a.raw &+ bytes) }

    public var description: String { "0x" + String(raw, radix: 16) }
}

/// The policy's concrete domain over typed addresses: what the model and the transports call.
/// The generic forms (over `Word`) are what the prover interprets; these only name the types.
extension ConcreteDomain {
    /// `phys_to_dma()`: the encrypted (private) encoding.
    @inlinable @inline(__always)
    public func physToDma(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: PhysAddr) -> DmaAddr {
        DmaAddr(physToDma(p, dev, phys.raw))
    }

    /// `phys_to_dma_unencrypted()`: the shared encoding.
    @inlinable @inline(__always)
    public func physToDmaUnencrypted(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: PhysAddr) -> DmaAddr {
        DmaAddr(physToDmaUnencrypted(p, dev, phys.raw))
    }

    /// `phys_to_dma_direct()`: the encoding the memory's state asks for.
    @inlinable @inline(__always)
    public func physToDmaDirect(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: PhysAddr, shared: Bool) -> DmaAddr {
        DmaAddr(physToDmaDirect(p, dev, phys.raw, shared: shared))
    }

    /// `dma_to_phys()`.
    @inlinable @inline(__always)
    public func dmaToPhys(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ dma: DmaAddr) -> PhysAddr {
        PhysAddr(dmaToPhys(p, dev, dma.raw))
    }
}
