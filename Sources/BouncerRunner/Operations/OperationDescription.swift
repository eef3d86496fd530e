import BouncerModel

/// Every kind of operation, by its global opcode: the number `ScenarioCodec`'s tables list. The
/// order is the byte format's and only ever grows at the end.
public enum OperationKind: UInt8, CaseIterable, Sendable {
    // The DMA layer (format version 1).
    case probeDevice, kmalloc, kfree, cpuWrite, mapBuffer, mapCoherent, mapResource, unmap, syncForCpu, syncForDevice
    case mapSg, unmapSg, allocCoherent, freeCoherent, cpuWriteCoherent, unbind, runDeferredWork, enterSecureMode
    case hostWrite, deviceWrite, failNextConversion
    // The transports (version 2).
    case vmbusOffer, vmbusOpen, vmbusSend, vmbusClose, vmbusHostCompletion, netvscHostReceive, vmbusRescind
    case hostFailNextGpadl, virtioProbe, virtioAddBuffer, virtioHostUsed, virtioReset
    case nvmeProbe, nvmeSubmit, nvmeHostComplete, nvmeRemove
    // The DMA layer again (version 3).
    case syncSgForCpu, syncSgForDevice
    // The transports again (version 4).
    case virtioHostDescriptor
    // The DMA layer again (version 5): unmap and sync by the DMA address the driver passes.
    case unmapByAddress, syncForCpuByAddress, syncForDeviceByAddress
    // The DMA layer again (version 6): firmware's word on whether a device is DMA-coherent;
    // `dma_alloc_pages()`.
    case archSetupDmaOps, dmaAllocPages
    // The DMA layer again (version 7): the driver's segment boundary (`dma_set_seg_boundary()`).
    case dmaSetSegBoundary
    // The DMA layer again (version 8, which also adds the boot byte): the driver's task moves to
    // another CPU, whose swiotlb area its slot searches start in.
    case migrateToCpu

    /// The case name, as `GuestOperation` spells it.
    public var name: String { described.name }
    public var described: OperationDescription { OperationDescription.all[Int(rawValue)] }

    /// `described.isTransport`, without copying the description: one bit per kind.
    public var isTransport: Bool { OperationKind.transportKinds & (1 << UInt64(rawValue)) != 0 }
    static let transportKinds = mask(\.isTransport)

    /// One bit (by raw value) per kind whose description has `property`: a set of kinds a hot loop
    /// tests with a mask.
    static func mask(_ property: (OperationDescription) -> Bool) -> UInt64 {
        OperationDescription.all.reduce(0) { bits, d in
            precondition(d.kind.rawValue < 64, "more kinds than a mask has bits")
            return property(d) ? bits | 1 << UInt64(d.kind.rawValue) : bits
        }
    }
}

/// One operation kind described once, as data: its fields (what each is and how it sits in the
/// bytes), whether the host makes it, how it reads in the kernel's words, and the two ways between
/// the typed `GuestOperation` and its field values. The codec, the trace, the minimiser's handle
/// tracking and simplification and the Swift test writer all work from this.
public struct OperationDescription: Sendable {
    public let kind: OperationKind
    public let name: String
    public let fields: [Field]
    /// A move of the hostile host rather than of the guest's drivers.
    public let hostMove: Bool
    /// The kind of object it makes, if any (the next handle of that kind names it).
    public let creates: HandleKind?
    /// How often the random explorer draws it, relative to the others of its part (the DMA
    /// layer or the transports); 0 never.
    public let weight: Int
    /// One of the transports' operations (VMBus, virtio, NVMe), drawn only when the explorer
    /// drives them.
    public internal(set) var isTransport = false
    /// The operation these field values describe.
    public let make: @Sendable (Fields) -> GuestOperation
    /// The field values of `op`, when it is of this kind.
    public let read: @Sendable (GuestOperation) -> Fields?
    /// One line in the kernel's words.
    public let render: @Sendable (Fields) -> String
    /// The fields' byte form, compiled for the decoder.
    let codes: [FieldCode]

    init(
        _ kind: OperationKind, _ name: String, _ fields: [Field], host: Bool = false, creates: HandleKind? = nil, weight: Int = 2,
        make: @escaping @Sendable (Fields) -> GuestOperation, read: @escaping @Sendable (GuestOperation) -> Fields?,
        render: @escaping @Sendable (Fields) -> String
    ) {
        self.kind = kind
        self.name = name
        self.fields = fields
        self.hostMove = host
        self.creates = creates
        self.weight = weight
        self.make = make
        self.read = read
        self.render = render
        codes = fields.map(FieldCode.init)
    }

    /// Every description, indexed by opcode; built once.
    public static let all: [OperationDescription] = OperationKind.allCases.map { kind in
        // Each description is built once: a table field's values are compiled into a buffer
        // that is never freed, so a description built and dropped would leak it.
        let dmaLayer = dma(kind)
        guard var d = dmaLayer ?? transport(kind) else { preconditionFailure("\(kind) has no description") }
        d.isTransport = dmaLayer == nil
        precondition(d.kind == kind, "description of \(kind) filed under \(d.kind)")
        return d
    }
}

extension GuestOperation {
    /// This operation's description.
    public var described: OperationDescription {
        for d in OperationDescription.all where d.read(self) != nil { return d }
        preconditionFailure("an operation kind without a description")
    }

    public var kind: OperationKind { described.kind }

    /// Its field values.
    public var fields: Fields { described.read(self)! }

    /// Whether this is a move of the host rather than of the guest.
    public var isHostMove: Bool { described.hostMove }
}

extension Field {
    static func handle(_ label: String, _ kind: HandleKind, _ wire: Wire = .u16) -> Field { Field(label, .handle(kind), wire) }
    static func device(_ label: String = "device") -> Field { Field(label, .handle(.device), .u8) }
    static func offset(_ label: String = "offset", modulo: UInt64 = 0) -> Field { Field(label, .offset(modulo: modulo), .u16) }
    static func size(_ label: String = "size", minimum: UInt64 = 0) -> Field { Field(label, .size(minimum: minimum), .u16) }
    static func flag(_ label: String, _ wire: Wire, simplest: Bool = false) -> Field { Field(label, .flag(simplest: simplest), wire) }
    static func direction(_ wire: Wire = .u8, swiftOrder: Int? = nil) -> Field {
        Field("direction", .choice(["toDevice", "fromDevice", "bidirectional"], simplest: 0), wire, swiftOrder: swiftOrder)
    }
}
