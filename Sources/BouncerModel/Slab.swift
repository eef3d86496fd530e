/// The slab behind `kmalloc()`: objects of 64 to 2048 bytes share pages, so a driver buffer's
/// neighbours in the same page belong to other allocations. Slab pages are kept once created.
struct Slab: Sendable {
    /// Size classes 0 ..< classCount hold objects of 64 << class bytes: 64 to 2048.
    static let classCount = 6
    static func objectSize(_ sizeClass: Int) -> UInt32 { 64 << UInt32(sizeClass) }
    /// Per (zone, size class): slab pages and their object bitmaps.
    var caches: [[(page: Int, used: UInt64)]] = Array(repeating: [], count: 3 * classCount)

    /// `kmalloc_index()`, for the caches the model keeps: larger requests take whole pages
    /// (`kmalloc_large`), where the kernel would still use its 4 and 8 KiB caches.
    static func sizeClass(_ size: UInt32) -> Int? {
        size > objectSize(classCount - 1) ? nil : max(0, UInt32.bitWidth - (max(size, 1) - 1).leadingZeroBitCount - 6)
    }
}

extension DmaLayer {
    /// `kmalloc(size, gfp)`: a slab object, or whole pages (`kmalloc_large`) from a page up.
    /// The memory is private and holds whatever the previous owner left (no `__GFP_ZERO`).
    public mutating func kmalloc(size: UInt32, zone: Zone = .normal) -> Int? {
        let size = max(size, 1)
        let allocation = newAllocation()
        if let cls = Slab.sizeClass(size) {
            let cache = zone.rawValue * Slab.classCount + cls
            let objectSize = Slab.objectSize(cls)
            let perPage = Int(4096 / objectSize)
            let full: UInt64 = perPage == 64 ? ~0 : (1 << UInt64(perPage)) - 1
            var slot: (Int, Int)?
            for (i, s) in slab.caches[cache].enumerated() where s.used != full {
                slot = (i, (~s.used).trailingZeroBitCount)
                break
            }
            if slot == nil {
                guard let page = allocPages(1, highest: zone, owner: .slab) else { return nil }
                slab.caches[cache].append((page, 0))
                slot = (slab.caches[cache].count - 1, 0)
            }
            let (i, object) = slot!
            slab.caches[cache][i].used |= 1 << UInt64(object)
            let phys = GuestMemory.phys(ofPage: slab.caches[cache][i].page) + UInt64(object) * UInt64(objectSize)
            buffers.append(Buffer(allocation: allocation, phys: phys, size: size, live: true, slabClass: cache))
        } else {
            let count = Int((UInt64(size) + GuestMemory.pageSize - 1) / GuestMemory.pageSize)
            guard let first = allocPages(count, highest: zone, owner: .buffer(buffers.count)) else { return nil }
            buffers.append(Buffer(allocation: allocation, phys: GuestMemory.phys(ofPage: first), size: size, live: true))
        }
        return buffers.count - 1
    }

    /// `kfree()`. The bytes stay where they were, as they do in a real slab.
    public mutating func kfree(_ buffer: Int) {
        guard buffers[buffer].live else { return }
        buffers[buffer].live = false
        events.append(.bufferFreed(buffer))
        let b = buffers[buffer]
        let page = GuestMemory.page(ofPhys: b.phys)!
        if let cache = b.slabClass {
            let objectSize = UInt64(Slab.objectSize(cache % Slab.classCount))
            let object = (b.phys & (GuestMemory.pageSize - 1)) / objectSize
            if let i = slab.caches[cache].firstIndex(where: { $0.page == page }) {
                slab.caches[cache][i].used &= ~(1 << object)
            }
        } else {
            let count = Int((UInt64(b.size) + GuestMemory.pageSize - 1) / GuestMemory.pageSize)
            freePages(page ..< page + count)
        }
    }

    /// The driver fills `size` bytes of its buffer from `offset` with its own (secret) data.
    public mutating func cpuWriteBuffer(_ buffer: Int, offset: UInt32, size: UInt32) {
        let b = buffers[buffer]
        guard b.live, offset < b.size else { return }
        cpuWrite(phys: b.phys + UInt64(offset), size: min(size, b.size - offset), allocation: b.allocation, disclosed: false)
    }
}
