import BouncerPolicy

/// What a transport allocated a block of pages for; named in reports.
public enum BlockPurpose: UInt8, Sendable, CustomStringConvertible {
    /// A VMBus channel's inbound and outbound rings (`vmbus_alloc_ring()`).
    case vmbusRing
    /// A buffer shared by GPADL outside the rings (netvsc's receive and send buffers).
    case gpadlBuffer
    /// A split virtqueue allocated without the DMA API (`vring_alloc_queue()` falling back to
    /// `alloc_pages_exact()` when `vring_use_dma_api()` is false).
    case virtqueue

    public var description: String {
        switch self {
        case .vmbusRing: "VMBus ring buffer"
        case .gpadlBuffer: "GPADL buffer"
        case .virtqueue: "virtqueue (no DMA API)"
        }
    }
}

/// Pages a transport allocates and shares itself, outside the DMA API: VMBus ring buffers and
/// GPADL buffers (`__vmbus_establish_gpadl()` decrypts them), and virtqueues that bypass the DMA
/// API. The oracle treats a block as memory shared on purpose only while `shared` is set.
public struct PageBlock: Sendable {
    public var allocation: UInt32
    public var firstPage: Int
    public var pages: Int
    public var purpose: BlockPurpose
    /// The kernel made these pages shared with the host on purpose, and believes they still are.
    public var shared: Bool
    public var live: Bool

    public var phys: UInt64 { GuestMemory.phys(ofPage: firstPage) }
    public var pageRange: Range<Int> { firstPage ..< firstPage + pages }
}

extension DmaLayer {
    /// `alloc_pages(GFP_KERNEL | __GFP_ZERO)` / `vzalloc()`: zeroed private pages for a transport.
    package mutating func allocBlock(pages: Int, highest: Zone, purpose: BlockPurpose) -> Int? {
        let handle = blocks.count
        guard let first = allocPages(pages, highest: highest, owner: .block(handle)) else { return nil }
        blocks.append(PageBlock(
            allocation: newAllocation(), firstPage: first, pages: pages, purpose: purpose, shared: false, live: true))
        let (lo, hi) = GuestMemory.byteRange(ofPages: first ..< first + pages)
        memory.contents.fill(lo, hi, .zero)
        return handle
    }

    /// `set_memory_decrypted()` of a whole block, as `__vmbus_establish_gpadl()` does for every
    /// non-confidential GPADL. On success the block is shared on purpose.
    package mutating func shareBlock(_ b: Int) -> Bool {
        let ok = setMemoryDecrypted(blocks[b].pageRange)
        if ok { blocks[b].shared = true }
        return ok
    }

    /// `set_memory_encrypted()` of a whole block (`vmbus_teardown_gpadl()`). On success the block is
    /// private again; on failure some pages may still be visible to the host.
    package mutating func unshareBlock(_ b: Int) -> Bool {
        let ok = setMemoryEncrypted(blocks[b].pageRange)
        if ok { blocks[b].shared = false }
        return ok
    }

    /// `__free_pages()` / `vfree()` of a block: back to the page allocator, whatever its state.
    package mutating func freeBlock(_ b: Int) {
        blocks[b].live = false
        freePages(blocks[b].pageRange)
    }

    /// The block's pages are abandoned on purpose, because the host may still see or use them.
    package mutating func leakBlock(_ b: Int, _ reason: LeakReason) {
        blocks[b].live = false
        memory.setOwner(blocks[b].pageRange, .leaked(reason))
        events.append(.leaked(pages: Range(blocks[b].pageRange), reason))
    }

    /// The guest CPU writes into a block: bytes the host may read if the block is shared on purpose.
    package mutating func cpuWriteBlock(_ b: Int, offset: UInt32, size: UInt32) {
        let bytes = UInt32(blocks[b].pages) << 12
        guard blocks[b].live, offset < bytes, size > 0 else { return }
        cpuWrite(
            phys: blocks[b].phys + UInt64(offset), size: min(size, bytes - offset), allocation: blocks[b].allocation,
            disclosed: blocks[b].shared)
    }

    /// The CPU copies bytes of guest memory into a block (netvsc copying a packet into its send
    /// buffer): given to the host on purpose when the block is shared.
    package mutating func copyIntoBlock(_ b: Int, offset: UInt32, from phys: UInt64, size: UInt32) {
        let bytes = UInt32(blocks[b].pages) << 12
        guard blocks[b].live, offset < bytes, size > 0 else { return }
        let n = min(size, bytes - offset)
        if blocks[b].shared { disclose(phys: phys, size: UInt64(n)) }
        let target = blocks[b].phys + UInt64(offset)
        copyPhys(from: phys, to: target, size: UInt64(n))
        let lo = GuestMemory.byteIndex(ofPhys: target)!
        events.append(.cpuWrote(lo: ByteIndex(lo), hi: ByteIndex(lo + n)))
    }

    /// Marks objects a transport's driver owns, so that the DMA API operations of other drivers
    /// leave them alone.
    package mutating func markTransportMapping(_ m: Int) { mappings[m].transportOwned = true }
    package mutating func markTransportCoherent(_ c: Int) { coherent[c].transportOwned = true }
    package mutating func markTransportDevice(_ d: Int) { devices[d].transportDriver = true }

    /// Records a step fact that a transport observed (a field it fetched, a copy it made, an
    /// address it wrote for a device).
    package mutating func record(_ event: Event) { events.append(event) }

    /// The address a device is told for guest memory outside the DMA API: `phys_to_dma()` of a
    /// private page, `phys_to_dma_unencrypted()` of one the kernel shared (a GPADL PFN above
    /// `shared_gpa_boundary` on vTOM).
    package func transportAddress(device: Int, phys: UInt64, shared: Bool) -> UInt64 {
        shared
            ? d.physToDmaUnencrypted(platformTerms, deviceTerms(device), phys)
            : d.physToDma(platformTerms, deviceTerms(device), phys)
    }

    /// Tells a device an address outside the DMA API (a GPADL, a virtqueue ring, a descriptor).
    package mutating func handOut(device: Int, phys: UInt64, size: UInt32, shared: Bool) {
        events.append(.handedOut(
            device: device, dma: DmaAddr(transportAddress(device: device, phys: phys, shared: shared)), size: size,
            mapping: nil, coherent: nil))
    }
}
