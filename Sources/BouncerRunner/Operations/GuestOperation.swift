import BouncerModel
import BouncerPolicy
import BouncerTransports

/// One thing that happens to the guest: a driver's call into the DMA API, or a move of the
/// hostile host. Fuzzers, the minimiser and the prover all speak this type. Each case is
/// described once, as data, in `OperationDescription` (its fields, byte form, rendering); the
/// model code that runs it is `Guest.apply`.
///
/// Objects are named by handle: the creation order of their kind (device 0, buffer 3, ...). An
/// operation whose handle names nothing, or something already gone, is skipped.
public enum GuestOperation: Hashable, Sendable {
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
    /// `dma_unmap_phys()` of the address `mapping` returned plus `delta` (two's complement, added
    /// as `dma_addr_t` arithmetic wraps), with the mapping's size and direction: the driver means
    /// `mapping`, the kernel unmaps whatever the address names.
    case unmapByAddress(mapping: Int, delta: UInt64, skipCpuSync: Bool)
    /// `dma_sync_single_range_for_cpu()` at `mapping`'s address plus `delta`, then `offset`
    /// (within the mapping, as `syncForCpu` takes it).
    case syncForCpuByAddress(mapping: Int, delta: UInt64, offset: UInt32, size: UInt32)
    /// `dma_sync_single_range_for_device()` at `mapping`'s address plus `delta`, then `offset`.
    case syncForDeviceByAddress(mapping: Int, delta: UInt64, offset: UInt32, size: UInt32)
    /// `dma_map_sg()` of whole buffers.
    case mapSg(device: Int, buffers: [Int], direction: DmaDirection)
    /// `dma_unmap_sg()`.
    case unmapSg(scatterlist: Int)
    /// `dma_sync_sg_for_cpu()`: every entry, whole.
    case syncSgForCpu(scatterlist: Int)
    /// `dma_sync_sg_for_device()`: every entry, whole.
    case syncSgForDevice(scatterlist: Int)
    /// `arch_setup_dma_ops()`: whether firmware describes the device as DMA-coherent
    /// (`dev_is_dma_coherent()`); only before the device holds coherent memory.
    case archSetupDmaOps(device: Int, coherent: Bool)
    /// `dma_alloc_pages()`: the caller gets pages and their DMA address, no CPU mapping of its
    /// own; `freeCoherent` gives them back with `dma_free_pages()`.
    case dmaAllocPages(device: Int, size: UInt32, blocking: Bool)
    /// `dma_set_seg_boundary()`: no bounce buffer of the device may cross a multiple of `mask + 1`
    /// in its DMA address space from now on (`ULONG_MAX` or 0: no boundary, the default).
    case dmaSetSegBoundary(device: Int, mask: UInt64)
    /// The scheduler moves the driver's task to CPU `cpu` (`raw_smp_processor_id()` from now on):
    /// swiotlb searches start in that CPU's area. A CPU the boot does not have is skipped.
    case migrateToCpu(cpu: Int)
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

    // VMBus
    /// The host offers a channel; `vmbus_onoffer()` checks it and `vmbus_device_register()` adds
    /// its device. `legacyHost`: the connection is older than `VERSION_WIN10_V6_0`.
    case vmbusOffer(VmbusOffer, legacyHost: Bool)
    /// `vmbus_open()`, and netvsc's `netvsc_init_buf()`.
    case vmbusOpen(channel: Int)
    /// An outbound request with a data buffer (storvsc I/O, a netvsc packet).
    case vmbusSend(channel: Int, buffer: Int, offset: UInt32, size: UInt32, direction: DmaDirection)
    /// The driver's remove: `vmbus_close()` and the buffers' teardown.
    case vmbusClose(channel: Int)
    /// The host completes a request id with a packet of its choosing; `rewrittenLength` is what it
    /// writes over the length while the guest reads the packet.
    case vmbusHostCompletion(channel: Int, requestId: UInt32, length: UInt32, rewrittenLength: UInt32)
    /// The host delivers data in netvsc's receive buffer at an offset and length of its choosing.
    case netvscHostReceive(channel: Int, offset: UInt32, length: UInt32, rewrittenLength: UInt32)
    /// The host rescinds a channel (`CHANNELMSG_RESCIND_CHANNELOFFER`).
    case vmbusRescind(channel: Int)
    /// The host refuses the next GPADL message (a create or a teardown).
    case hostFailNextGpadl

    // virtio
    /// A virtio device appears offering these features; `virtio_dev_probe()` negotiates.
    case virtioProbe(transport: VirtioTransport, features: VirtioFeatures)
    /// `virtqueue_add_split()` of part of a buffer, for the device to read or write.
    case virtioAddBuffer(virtio: Int, buffer: Int, offset: UInt32, size: UInt32, deviceWrites: Bool)
    /// The device puts a used element (any id, any length) and the driver reaps it.
    case virtioHostUsed(virtio: Int, id: UInt32, length: UInt32)
    /// Device reset and driver remove.
    case virtioReset(virtio: Int)
    /// The device rewrites descriptor `id` in the ring: an address it was handed (`mapping`'s) plus
    /// `offset`, a length and the write flag. Boxed: the widest payload, and a rare one, so every
    /// other operation stays smaller.
    indirect case virtioHostDescriptor(virtio: Int, id: UInt32, mapping: Int, offset: UInt32, length: UInt32, deviceWrites: Bool)

    // PCI passthrough
    /// An NVMe controller is probed, TDISP-accepted or not.
    case nvmeProbe(tdisp: Bool)
    /// `nvme_queue_rq()` of part of a buffer.
    case nvmeSubmit(nvme: Int, buffer: Int, offset: UInt32, size: UInt32, deviceWrites: Bool)
    /// The controller completes any command id, having written `length` bytes for a read.
    case nvmeHostComplete(nvme: Int, commandId: UInt16, length: UInt32)
    /// `nvme_remove()`.
    case nvmeRemove(nvme: Int)
}

/// A platform, how it boots, and the operations to run on it.
public struct Scenario: Hashable, Sendable {
    public var platform: PlatformKind
    /// The CPUs and `swiotlb=` area count the guest boots with (format version 8's boot byte).
    public var boot: SwiotlbBoot
    public var operations: [GuestOperation]

    public init(platform: PlatformKind, boot: SwiotlbBoot = .standard, operations: [GuestOperation]) {
        self.platform = platform
        self.boot = boot
        self.operations = operations
    }
}
