import BouncerModel
import BouncerPolicy

/// One thing that happens to the guest: a driver's call into the DMA API, or a move of the
/// hostile host. Fuzzers, the minimiser and the prover all speak this type.
///
/// Objects are named by handle: the creation order of their kind (device 0, buffer 3, ...). An
/// operation whose handle names nothing, or something already gone, is skipped.
public enum Operation: Hashable, Sendable {
    // Set-up
    /// `device_add()`: a device with its masks and what the guest knows of it.
    case probeDevice(DeviceConfig)

    // The driver's own memory
    /// `kmalloc()`.
    case kmalloc(size: UInt32, zone: Zone)
    /// `kfree()`.
    case kfree(buffer: Int)
    /// The driver writes its own data into a buffer.
    case cpuWrite(buffer: Int, offset: UInt32, size: UInt32)

    // The DMA API
    /// `dma_map_phys()` of part of a buffer.
    case mapBuffer(device: Int, buffer: Int, offset: UInt32, size: UInt32, direction: DmaDirection, skipCpuSync: Bool)
    /// `dma_map_phys()` of part of a coherent buffer for the device it was allocated for, with
    /// `DMA_ATTR_CC_SHARED` when that buffer is shared (a second mapping of memory shared on
    /// purpose, as netvsc does).
    case mapCoherent(coherent: Int, offset: UInt32, size: UInt32, direction: DmaDirection)
    /// `dma_map_resource()`: a peer device's MMIO (`DMA_ATTR_MMIO`).
    case mapResource(device: Int, size: UInt32)
    /// `dma_unmap_phys()`.
    case unmap(mapping: Int, skipCpuSync: Bool)
    /// `dma_sync_single_range_for_cpu()`; the size may come from the host (a used length).
    case syncForCpu(mapping: Int, offset: UInt32, size: UInt32)
    /// `dma_sync_single_range_for_device()`.
    case syncForDevice(mapping: Int, offset: UInt32, size: UInt32)
    /// `dma_map_sg()` of whole buffers.
    case mapSg(device: Int, buffers: [Int], direction: DmaDirection)
    /// `dma_unmap_sg()`.
    case unmapSg(scatterlist: Int)
    /// `dma_alloc_coherent()`; `blocking` is `gfpflags_allow_blocking()` (GFP_KERNEL vs GFP_ATOMIC).
    case allocCoherent(device: Int, size: UInt32, blocking: Bool)
    /// `dma_free_coherent()`.
    case freeCoherent(coherent: Int)
    /// The driver writes into a coherent buffer.
    case cpuWriteCoherent(coherent: Int, offset: UInt32, size: UInt32)
    /// The driver's `remove()`: unmap and free everything of the device.
    case unbind(device: Int)
    /// The workqueue runs: `atomic_pool_work_fn()`, `swiotlb_dyn_alloc()`.
    case runDeferredWork
    /// A pseries guest becomes a secure VM (seed 003): only while this kernel has no live DMA.
    case enterSecureMode

    // The hostile host
    /// The host writes into a page it can see.
    case hostWrite(page: Int, offset: UInt32, size: UInt32)
    /// The device writes into a mapping's DMA buffer (even after unmap).
    case deviceWrite(mapping: Int, offset: UInt32, size: UInt32)
    /// The host makes the next page conversion fail after `afterPages` pages.
    case failNextConversion(afterPages: Int)

    /// Whether this is a move of the host rather than of the guest.
    public var isHostMove: Bool {
        switch self {
        case .hostWrite, .deviceWrite, .failNextConversion: true
        default: false
        }
    }
}

/// A platform and the operations to run on it.
public struct Scenario: Hashable, Sendable {
    public var platform: PlatformKind
    public var operations: [Operation]

    public init(platform: PlatformKind, operations: [Operation]) {
        self.platform = platform
        self.operations = operations
    }
}
