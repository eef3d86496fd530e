import BouncerPolicy

/// `enum dma_data_direction`.
public enum DmaDirection: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case toDevice, fromDevice, bidirectional

    public var deviceReads: Bool { self != .fromDevice }
    public var deviceWrites: Bool { self != .toDevice }
    public var description: String { ["DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_BIDIRECTIONAL"][Int(rawValue)] }
}

/// The `DMA_ATTR_*` flags the model knows.
public struct DmaAttrs: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let ccShared = DmaAttrs(rawValue: 1)
    public static let skipCpuSync = DmaAttrs(rawValue: 2)
    public static let mmio = DmaAttrs(rawValue: 4)
    /// `DMA_ATTR_REQUIRE_COHERENT`: no operation sets it yet; a driver API caller may.
    public static let requireCoherent = DmaAttrs(rawValue: 8)

    public var description: String {
        var names: [String] = []
        if contains(.ccShared) { names.append("DMA_ATTR_CC_SHARED") }
        if contains(.skipCpuSync) { names.append("DMA_ATTR_SKIP_CPU_SYNC") }
        if contains(.mmio) { names.append("DMA_ATTR_MMIO") }
        if contains(.requireCoherent) { names.append("DMA_ATTR_REQUIRE_COHERENT") }
        return names.isEmpty ? "0" : names.joined(separator: "|")
    }
}

/// A device as the driver core set it up.
public struct DeviceConfig: Hashable, Sendable {
    // The 64-bit fields come first: the struct packs into 31 bytes rather than 41, and so does
    // the runner's operation type that carries it (every step of a fuzz run copies that in full).
    /// `bus_dma_limit` (0: none).
    public var busDmaLimit: UInt64
    /// dma-ranges offset: DMA address = physical address + offset.
    public var dmaRangeOffset: UInt64
    /// `dma_get_min_align_mask()`: low address bits a bounce must preserve (NVMe: 4 KiB - 1).
    public var minAlignMask: UInt64
    /// A device inside the guest's trust boundary (TDISP-accepted, a Confidential VMBus device
    /// with `co_external_memory`): what the device really is.
    public var trusted: Bool
    /// The kernel knows the device is trusted (`device_cc_accepted()`); it may not, when the
    /// transport forgets to say so.
    public var accepted: Bool
    /// What the driver passes `dma_set_mask_and_coherent()`, as a bit width; the masks the device
    /// ends up with are `Device.dmaMask` (the bus's default if `dma_set_mask()` refuses this one).
    public var dmaMaskBits: UInt8
    /// `swiotlb=force` for this device's `io_tlb_mem`.
    public var forceBounce: Bool
    /// `dev->dma_io_tlb_mem == NULL`.
    public var swiotlbDisabled: Bool
    /// The device is attached to a `restricted-dma-pool` (`of_reserved_mem_device_init`).
    public var restrictedPool: Bool
    /// `dev_is_dma_coherent()`: set by `arch_setup_dma_ops()` (`archSetupDmaOps`), not at
    /// `device_add()`.
    public var coherent = true

    public init(
        trusted: Bool = false, dmaMaskBits: UInt8 = 64, busDmaLimit: UInt64 = 0, dmaRangeOffset: UInt64 = 0,
        forceBounce: Bool = false, swiotlbDisabled: Bool = false, restrictedPool: Bool = false, minAlignMask: UInt64 = 0,
        accepted: Bool? = nil
    ) {
        self.minAlignMask = minAlignMask
        self.trusted = trusted
        self.accepted = accepted ?? trusted
        self.dmaMaskBits = dmaMaskBits
        self.busDmaLimit = busDmaLimit
        self.dmaRangeOffset = dmaRangeOffset
        self.forceBounce = forceBounce
        self.swiotlbDisabled = swiotlbDisabled
        self.restrictedPool = restrictedPool
    }

    /// `DMA_BIT_MASK(n)`.
    public var dmaMask: UInt64 { dmaMaskBits >= 64 ? ~0 : (1 << UInt64(dmaMaskBits)) - 1 }
}

// The fields are ordered so a device packs without padding (a Bool in the config's last byte, the
// one-byte fields after the optional's tag): every fuzz run's first probe copies the booted
// guest's devices, and the model's steps read them.
public struct Device: Sendable {
    /// What the driver core and the driver asked for.
    public var config: DeviceConfig
    /// `dma_set_mask()` returned -EIO for `config.dmaMask` (`dmaSetMask` in the policy).
    public var maskRefused = false
    /// `*dev->dma_mask` and `dev->coherent_dma_mask` as the probe left them: `config.dmaMask`, or
    /// the bus's default when `dma_set_mask()` refused it (`maskRefused`).
    public var dmaMask: UInt64
    /// `dma_map_*` calls that returned `DMA_MAPPING_ERROR`, for the trace.
    public var mapErrors: Int = 0
    /// `dev->dma_parms->segment_boundary_mask` as `dma_set_seg_boundary()` left it; 0 until a
    /// driver sets one (`segmentBoundary` reads it).
    public var segmentBoundaryMask: UInt64 = 0
    /// The device's restricted swiotlb pool, if it has one.
    public var restrictedPool: Int?
    /// A transport's driver (VMBus, virtio, NVMe) is bound to it.
    public var transportDriver = false
    /// `dev->dma_uses_io_tlb`: `swiotlb_find_slots()` has given the device slots (set there, never
    /// cleared; v6.12 kernel/dma/swiotlb.c, `CONFIG_SWIOTLB_DYNAMIC`).
    public var usesIoTlb = false

    /// `dma_get_seg_boundary()` (v6.12 include/linux/dma-mapping.h): the mask the driver set, or
    /// `ULONG_MAX` while it set none (or set 0).
    public var segmentBoundary: UInt64 { segmentBoundaryMask == 0 ? .max : segmentBoundaryMask }
}

/// A driver's own memory from `kmalloc`.
public struct Buffer: Sendable {
    public var allocation: UInt32
    public var phys: UInt64
    public var size: UInt32
    public var live: Bool
    /// A slab object (size class) rather than whole pages.
    public var slabClass: Int?
}

/// Where a coherent allocation's memory came from.
public enum CoherentSource: Hashable, Sendable {
    case pages
    case atomicPool(Int)
    case restrictedPool(Int)
}

// The one-byte fields share the first word and what the caller holds is a flag rather than an
// optional address, so the record packs small: every fuzz run's first coherent allocation copies
// the booted ones, and one that grows the array copies them all.
/// A `dma_alloc_coherent()` allocation.
public struct CoherentAllocation: Sendable {
    public var allocation: UInt32
    /// The kernel made (or believes it made) this memory shared with the host.
    public var shared: Bool
    public var live: Bool
    /// A transport's ring or queue, which its driver alone writes, maps and frees.
    public var transportOwned = false
    /// Made by `dma_alloc_pages()` (the caller holds the page, not a CPU address), so freed by
    /// `dma_direct_free_pages()`.
    public var pagesApi = false
    public var device: Int
    public var phys: UInt64
    public var pages: Int
    public var dma: UInt64
    public var source: CoherentSource
    /// The kernel virtual mapping `dma_alloc_coherent()` returned as the CPU address.
    public var alias = KernelAlias(.linearMap, decrypted: false)
    /// The caller holds the allocation's own memory (`callerPhys` is `phys`); false when
    /// `dma_alloc_pages()` handed out the atomic pool's CPU address as its `struct page`.
    public var callerGetsPage = true

    /// The physical address of what the caller holds: the page `dma_alloc_pages()` returned, or
    /// the memory `dma_alloc_coherent()`'s CPU address names. nil when `dma_alloc_pages()` handed
    /// out the atomic pool's CPU address as its `struct page` (5b138c534fda, fixed by
    /// 94a04ad732c9), which names no page of guest memory.
    public var callerPhys: UInt64? { callerGetsPage ? phys : nil }
}

/// One live `dma_map_phys()` mapping, as `CONFIG_DMA_API_DEBUG` would record it.
public struct Mapping: Sendable {
    public var device: Int
    public var phys: UInt64
    public var size: UInt32
    public var direction: DmaDirection
    public var attrs: DmaAttrs
    public var dma: UInt64
    /// The swiotlb pool and slot address when bounced.
    public var bouncePool: Int?
    public var tlbAddress: UInt64
    public var live: Bool
    /// The scatterlist this entry belongs to, if any.
    public var scatterlist: Int?
    /// The driver gave the device this address: a single map once it returned, a scatterlist's
    /// entries only once the whole `dma_map_sg()` returned (a failed one gives the driver nothing
    /// to program, whatever entries it mapped before the failure).
    public var givenToDevice = false
    /// A transport's driver made this mapping and alone unmaps it.
    public var transportOwned = false
}

/// A `dma_map_sg()` scatterlist: the entries the driver got back.
public struct ScatterList: Sendable {
    public var device: Int
    public var entries: [Int]
    public var live: Bool
}

/// Which pool served a request.
public enum PoolRef: Hashable, Sendable, CustomStringConvertible {
    case atomic(Int)
    case swiotlb(Int)
    public var description: String {
        switch self {
        case .atomic(let p): "atomic pool \(p)"
        case .swiotlb(let p): "swiotlb pool \(p)"
        }
    }
}

/// What a step did that the oracle must look at. The model records facts, never verdicts.
public enum Event: Sendable {
    /// A DMA address was given to a device: a mapping (`mapping >= 0`) or a coherent allocation.
    case handedOut(device: Int, dma: DmaAddr, size: UInt32, mapping: Int?, coherent: Int?)
    /// A pool served a request that wanted shared (or private) memory.
    case poolServed(PoolRef, phys: PhysAddr, size: UInt64, wantShared: Bool)
    /// `swiotlb_bounce()` copied bytes between a slot and the original buffer.
    case bounced(mapping: Int, toDevice: Bool, tlb: PhysAddr, orig: PhysAddr, size: UInt64)
    case mapped(Int)
    /// The CPU took a device-writable buffer back; `readBack` indexes `DmaLayer.readBacks`, what it
    /// reads there at that moment (the mapped bytes, offsets relative to the mapping), before
    /// anything later in the step can change them.
    case syncedForCpu(mapping: Int, offset: UInt32, size: UInt32, readBack: Int?)
    case syncedForDevice(mapping: Int, offset: UInt32, size: UInt32)
    case unmapped(mapping: Int, readBack: Int?)
    /// The host, or a device it controls, wrote bytes (byte-index range) of guest memory.
    case hostWrote(lo: ByteIndex, hi: ByteIndex, tag: Provenance)
    /// The CPU wrote bytes (byte-index range) of guest memory.
    case cpuWrote(lo: ByteIndex, hi: ByteIndex)
    /// A conversion to shared left an undisclosed guest byte where the host can read it, at the
    /// moment of conversion, before anything could overwrite it.
    case conversionExposed(byteIndex: ByteIndex, tag: Provenance)
    /// `set_memory_decrypted()` (`to: .decrypted`) or `set_memory_encrypted()` (`to: .encrypted`)
    /// on `pages`: the pages before `failedAt` are now in state `to`; where the host failed the
    /// call, the page at `failedAt` is unknown and those after it are as they were. The direction
    /// and the failure point let the oracle follow each page's state event by event.
    case converted(pages: Range<PageNumber>, to: PageState, failedAt: PageNumber?)
    case leaked(pages: Range<PageNumber>, LeakReason)
    case freed(pages: Range<PageNumber>)
    /// Pages changed hands to a holder other than the page allocator or a leak: `alloc_pages()`
    /// for a kernel object, or a transient swiotlb pool borrowing atomic-pool pages and giving
    /// them back. With `freed` and `leaked`, every move of a page is an event, so the oracle
    /// keeps its own ledger of who holds each page.
    case pagesTaken(pages: Range<PageNumber>, by: PageOwner)
    /// A buffer or coherent allocation went away: everything it held must have gone with it.
    case bufferFreed(Int)
    case coherentFreed(Int)
    /// `dma_map_sg()` failed; none of its entries may stay mapped.
    case scatterlistFailed(Int)
    /// A driver copied `size` bytes at `phys` believing they lie in its object at
    /// `objectPhys`+`objectSize` (a receive buffer, a used buffer), with a size or offset the host
    /// chose.
    case driverCopied(phys: PhysAddr, size: UInt64, objectPhys: PhysAddr, objectSize: UInt64, what: CopySite)
    /// A driver read a field the host can write (`field` names it), and got `value`.
    case sharedFieldFetched(field: UInt32, value: UInt64, what: CopySite)
    /// The CPU wrote bytes (byte-index range) through a kernel virtual mapping (`KernelAlias`).
    case cpuAccessed(lo: ByteIndex, hi: ByteIndex, alias: KernelAlias)
}

/// Where a driver copies or fetches host-controlled data, for reports.
public enum CopySite: UInt8, Sendable, CustomStringConvertible {
    case vmbusPacket, netvscReceive, virtioUsed, nvmeCompletion

    public var description: String {
        switch self {
        case .vmbusPacket: "hv_pkt_iter_first (VMBus inbound packet)"
        case .netvscReceive: "netvsc_receive (receive buffer section)"
        case .virtioUsed: "virtqueue_get_buf (used element)"
        case .nvmeCompletion: "nvme_handle_cqe (completion entry)"
        }
    }
}
