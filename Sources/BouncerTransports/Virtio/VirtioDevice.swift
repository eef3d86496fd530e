import BouncerModel

/// How the virtio device is attached.
public enum VirtioTransport: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// virtio-pci: the device's DMA goes wherever the DMA API (or the guest) points it.
    case pci
    /// virtio-mmio on a DT node with a `restricted-dma-pool` (`of_dma_set_restricted_buffer()`).
    case mmioRestricted
    public var description: String { self == .pci ? "virtio-pci" : "virtio-mmio (restricted-dma-pool)" }
}

/// The feature bits that matter here.
public struct VirtioFeatures: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `VIRTIO_F_VERSION_1` (bit 32).
    public static let version1 = VirtioFeatures(rawValue: 1)
    /// `VIRTIO_F_ACCESS_PLATFORM` (bit 33): the device goes through the platform's DMA translation.
    public static let accessPlatform = VirtioFeatures(rawValue: 2)
    /// The proposed `VIRTIO_F_SWIOTLB` (bit 27, seed 001): the device brings a bounce region.
    public static let swiotlb = VirtioFeatures(rawValue: 4)
    public static let all: VirtioFeatures = [.version1, .accessPlatform, .swiotlb]

    public var description: String {
        var names: [String] = []
        if contains(.version1) { names.append("VERSION_1") }
        if contains(.accessPlatform) { names.append("ACCESS_PLATFORM") }
        if contains(.swiotlb) { names.append("SWIOTLB") }
        return names.isEmpty ? "none" : names.joined(separator: "|")
    }
}

public enum VirtioStatus: UInt8, Sendable {
    /// `DRIVER_OK`: the queue is set up.
    case live
    /// `virtio_features_ok()` refused the device: `VIRTIO_CONFIG_S_FAILED`.
    case failed
    /// Reset and removed.
    case removed
}

/// Where a split virtqueue's ring lives.
public enum VringMemory: Hashable, Sendable {
    /// `dma_alloc_coherent()` on the device (`vring_alloc_queue()` with the DMA API).
    case coherent(Int)
    /// `alloc_pages_exact()`: guest pages given by physical address.
    case block(Int)
}

/// The guest's private record of one posted buffer: `desc_state[head].data` and
/// `desc_extra[head]` (address, length, flags), which `detach_buf_split()` unmaps from.
public struct DescExtra: Hashable, Sendable {
    public var buffer: Int
    public var phys: UInt64
    public var length: UInt32
    public var deviceWrites: Bool
    /// The DMA mapping when the queue uses the DMA API.
    public var mapping: Int?
}

/// One `struct vring_desc` in the shared ring: `addr`, `len`, and `VRING_DESC_F_WRITE` of `flags`.
public struct VringDesc: Hashable, Sendable {
    public var addr: UInt64 = 0
    public var len: UInt32 = 0
    public var deviceWrites = false

    public init(addr: UInt64 = 0, len: UInt32 = 0, deviceWrites: Bool = false) {
        self.addr = addr
        self.len = len
        self.deviceWrites = deviceWrites
    }
}

/// A split virtqueue of `num` descriptors, one descriptor per buffer.
public struct Virtqueue: Sendable {
    public static let num = 8
    /// `vring_size(8, PAGE_SIZE)`: descriptors and the available ring in the first page, the used
    /// ring in the second.
    static let ringBytes: UInt32 = 8192
    static let usedRingOffset: UInt32 = 4096

    public var ring: VringMemory
    public var ringPhys: UInt64
    /// `desc_extra`, by head. Both tables begin as shared empty ones (`noHeads`,
    /// `noDescriptors`), so a probe allocates neither until its first buffer.
    public var heads: [DescExtra?] = Virtqueue.noHeads
    /// What the descriptor table in the shared ring says (`vring.desc[i]`): what the driver wrote
    /// there, or what the device wrote over it since.
    public var descriptors: [VringDesc] = Virtqueue.noDescriptors
    static let noHeads = [DescExtra?](repeating: nil, count: Virtqueue.num)
    static let noDescriptors = [VringDesc](repeating: VringDesc(), count: Virtqueue.num)
    /// `last_used_idx`.
    public var lastUsed: UInt16 = 0
    /// `vq->broken`: a `BAD_RING()` stopped the queue.
    public var broken = false
    /// Used buffers the driver dropped (`rx_length_errors` and the like).
    public var droppedBuffers = 0
}

/// A virtio device and its one queue.
public struct VirtioDevice: Sendable {
    public var transport: VirtioTransport
    public var offered: VirtioFeatures
    public var negotiated: VirtioFeatures
    public var status: VirtioStatus
    /// The DMA device (`vdev->dev.parent`).
    public var device: Int
    /// `vring_use_dma_api()`.
    public var useDmaApi: Bool
    public var queue: Virtqueue?
}
