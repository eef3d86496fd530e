import BouncerModel

/// The VMBus device classes the model knows: a storage (storvsc) and a network (netvsc) channel.
public enum VmbusDeviceClass: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case storvsc, netvsc
    public var description: String { self == .storvsc ? "storvsc" : "netvsc" }
}

/// A channel offer as the host sends it (`CHANNELMSG_OFFERCHANNEL`), with the Confidential VMBus
/// flags of `struct vmbus_channel_offer_channel`.
public struct VmbusOffer: Hashable, Sendable {
    public var deviceClass: VmbusDeviceClass
    /// `co_ring_buffer`: the ring lives in private memory the paravisor reads.
    public var coRingBuffer: Bool
    /// `co_external_memory`: the device model DMAs into private memory directly.
    public var coExternalMemory: Bool

    public init(deviceClass: VmbusDeviceClass, coRingBuffer: Bool = false, coExternalMemory: Bool = false) {
        self.deviceClass = deviceClass
        self.coRingBuffer = coRingBuffer
        self.coExternalMemory = coExternalMemory
    }
}

/// A GPADL: a guest buffer described to the host by its page frames.
public struct Gpadl: Sendable {
    /// The pages behind it.
    public var block: Int
    /// `gpadl->decrypted`: the guest made the pages shared for this GPADL and has not made them
    /// private again. Callers must not free memory while it is set.
    public var decrypted: Bool
    /// The host holds the GPADL (created and not yet torn down).
    public var established: Bool
    /// Which conversion left `decrypted` set, for the leak record.
    public var failure: LeakReason? = nil
}

public enum ChannelState: UInt8, Sendable {
    /// Offered and its device registered; not open.
    case offered
    case open
    case closed
    /// `vmbus_onoffer()` refused the offer: no device.
    case refused
}

/// One outstanding outbound request: what `vmbus_next_request_id()` stored in the requestor
/// table (`channel->rqstor`), the DMA mapping its page buffer uses.
public struct VmbusRequest: Sendable {
    public var mapping: Int
    /// The buffer that was mapped, for the driver's copy on completion.
    public var buffer: Int
}

/// A VMBus channel and the memory it shares.
public struct VmbusChannel: Sendable {
    public var offer: VmbusOffer
    public var state: ChannelState
    /// The DMA device `vmbus_device_register()` created for the channel.
    public var device: Int
    /// `channel->rescind`: the host withdrew the offer.
    public var rescinded = false
    /// The inbound and outbound rings (`vmbus_alloc_ring()`) and their GPADL.
    public var ring: Gpadl?
    /// netvsc's receive and send buffers (`netvsc_init_buf()`).
    public var receiveBuffer: Gpadl?
    public var sendBuffer: Gpadl?
    /// `channel->rqstor`: request id (index) to outstanding request.
    public var requests: [VmbusRequest?] = []
    /// Inbound packets the driver took and dropped as malformed (`hv_pkt_iter_first()` and the
    /// drivers' own checks).
    public var droppedPackets = 0
}

extension VmbusChannel {
    /// Pages per ring direction and of netvsc's buffers. Small next to the real ones (a 16 MiB
    /// receive buffer), large next to a packet, which is what matters here.
    static let ringPages = 2
    static let receiveBufferPages = 8
    static let sendBufferPages = 2
    /// Bytes of the inbound ring's data area (`hv_ring_buffer_info.ring_datasize`): a page of
    /// control fields, the rest data.
    static let ringDataSize: UInt32 = UInt32(ringPages - 1) << 12
    /// A completion packet's size: descriptor, transaction id, status.
    static let completionPacketSize: UInt32 = 64
}
