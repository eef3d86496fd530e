import BouncerModel
import BouncerPolicy

/// The guest with its transports: the DMA layer (`DmaLayer`) and, above it, the VMBus channels,
/// virtio devices and passthrough NVMe controllers whose drivers use it.
///
/// Transports call the DMA API the way their drivers do and record what they read from the host;
/// the oracle sees everything through the system's events and state.
public struct Guest: Sendable {
    public var system: DmaLayer
    public internal(set) var channels: [VmbusChannel] = []
    public internal(set) var virtio: [VirtioDevice] = []
    public internal(set) var nvme: [NvmeController] = []
    /// The host refuses the next GPADL message: a create answered with `creation_status != 0`, or
    /// a teardown never acknowledged.
    public internal(set) var hostFailsNextGpadl = false

    public init(platform: PlatformKind, behaviours: Behaviours, boot: SwiotlbBoot = .standard) {
        system = DmaLayer(platform: platform, behaviours: behaviours, boot: boot)
    }

    /// Clears the last step's record; most steps record nothing, and then nothing is called.
    @inlinable public mutating func beginStep() { if system.stepRecorded { system.beginStep() } }

    /// The host will refuse the next GPADL message.
    public mutating func hostFailNextGpadl() { hostFailsNextGpadl = true }

    @inlinable var d: ConcreteDomain { ConcreteDomain() }
    var platformTerms: PlatformTerms<ConcreteDomain> { PlatformTerms(d, system.platform) }
    var behaviourTerms: BehaviourTerms<ConcreteDomain> { system.behaviourTerms }

    /// A host-writable field, as the double-fetch check names it: the transport, the object's
    /// handle, the field.
    enum SharedField: UInt32 { case vmbusPacketLength = 1, netvscSectionLength, virtioUsedId, virtioUsedLength, nvmeCommandId }

    func sharedField(_ field: SharedField, of object: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: object) << 8 | field.rawValue
    }

    /// Whether any transport still has memory the host may use: a runtime transition (pseries
    /// `enterSecureMode`) happens before this kernel's drivers run.
    public var transportsIdle: Bool {
        !channels.contains { $0.state == .open } && !virtio.contains { $0.queue != nil } && !nvme.contains(where: \.live)
    }
}
