import CKernelDMA

/// One thing the real kernel code did, as the shim recorded it (`struct bouncer_kernel_event`).
public enum KernelEvent: Hashable, Sendable {
    /// The page allocator handed out or took back `pages` pages at `phys`.
    case pagesAllocated(phys: UInt64, pages: Int)
    case pagesFreed(phys: UInt64, pages: Int)
    /// `set_memory_decrypted` / `set_memory_encrypted` on `pages` pages at `phys`, of which
    /// `converted` changed before the host failed the call; `result` is its return value.
    case decrypted(phys: UInt64, pages: Int, converted: Int, result: Int32)
    case encrypted(phys: UInt64, pages: Int, converted: Int, result: Int32)
    /// A `memcpy` with an end in guest memory; nil for a buffer outside it.
    case copy(to: UInt64?, from: UInt64?, length: Int)
    case fill(phys: UInt64, byte: UInt8, length: Int)
    /// What the DMA API handed a driver for a device: the DMA address, or nil for
    /// `DMA_MAPPING_ERROR`.
    case map(device: Int, phys: UInt64, dma: UInt64?, size: Int)
    case unmap(device: Int, phys: UInt64, dma: UInt64, size: Int)
    case syncForCpu(device: Int, phys: UInt64, dma: UInt64, size: Int)
    case syncForDevice(device: Int, phys: UInt64, dma: UInt64, size: Int)
    /// `dma_alloc_attrs` / `dma_free_attrs`: the CPU address's physical address and the DMA
    /// handle (nil: the allocation failed).
    case allocCoherent(device: Int, phys: UInt64?, dma: UInt64?, size: Int)
    case freeCoherent(device: Int, phys: UInt64, dma: UInt64, size: Int)
    /// A mapping was served from the swiotlb pool starting at `poolStart`, from `slot` on.
    case swiotlbSlot(poolStart: UInt64, slot: Int, phys: UInt64)
    /// `WARN()` or `dev_WARN_ONCE()` fired in the kernel code: its message or condition.
    case warning(String)
    case workQueued

    init?(_ e: bouncer_kernel_event) {
        let none = UInt64.max
        let device = Int(e.device)
        switch e.kind {
        case UInt32(BOUNCER_KERNEL_EV_PAGES_ALLOC.rawValue): self = .pagesAllocated(phys: e.a, pages: Int(e.b))
        case UInt32(BOUNCER_KERNEL_EV_PAGES_FREE.rawValue): self = .pagesFreed(phys: e.a, pages: Int(e.b))
        case UInt32(BOUNCER_KERNEL_EV_DECRYPT.rawValue):
            self = .decrypted(phys: e.a, pages: Int(e.b), converted: Int(e.c), result: e.result)
        case UInt32(BOUNCER_KERNEL_EV_ENCRYPT.rawValue):
            self = .encrypted(phys: e.a, pages: Int(e.b), converted: Int(e.c), result: e.result)
        case UInt32(BOUNCER_KERNEL_EV_COPY.rawValue):
            self = .copy(to: e.a == none ? nil : e.a, from: e.b == none ? nil : e.b, length: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_FILL.rawValue): self = .fill(phys: e.a, byte: UInt8(truncatingIfNeeded: e.b), length: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_MAP.rawValue):
            self = .map(device: device, phys: e.a, dma: e.b == none ? nil : e.b, size: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_UNMAP.rawValue): self = .unmap(device: device, phys: e.a, dma: e.b, size: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_SYNC_FOR_CPU.rawValue): self = .syncForCpu(device: device, phys: e.a, dma: e.b, size: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_SYNC_FOR_DEVICE.rawValue):
            self = .syncForDevice(device: device, phys: e.a, dma: e.b, size: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_ALLOC_COHERENT.rawValue):
            self = .allocCoherent(device: device, phys: e.a == none ? nil : e.a, dma: e.b == none ? nil : e.b, size: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_FREE_COHERENT.rawValue): self = .freeCoherent(device: device, phys: e.a, dma: e.b, size: Int(e.c))
        case UInt32(BOUNCER_KERNEL_EV_SWIOTLB_SLOT.rawValue): self = .swiotlbSlot(poolStart: e.a, slot: Int(e.b), phys: e.c)
        case UInt32(BOUNCER_KERNEL_EV_WARN.rawValue): self = .warning(e.what.map { String(cString: $0) } ?? "")
        case UInt32(BOUNCER_KERNEL_EV_WORK_QUEUED.rawValue): self = .workQueued
        default: return nil
        }
    }
}
