import BouncerModel
import BouncerTransports

/// The kinds of object an operation names by handle (creation order within the kind).
public enum HandleKind: Int, CaseIterable, Hashable, Sendable {
    case device, buffer, mapping, scatterlist, coherent, channel, virtio, nvme

    /// How many objects of this kind the guest has created so far.
    public func count(_ g: Guest) -> Int {
        let s = g.system
        return switch self {
        case .device: s.devices.count
        case .buffer: s.buffers.count
        case .mapping: s.mappings.count
        case .scatterlist: s.scatterlists.count
        case .coherent: s.coherent.count
        case .channel: g.channels.count
        case .virtio: g.virtio.count
        case .nvme: g.nvme.count
        }
    }
}

/// What a field of an operation means: what the minimiser may do with it and how Swift source
/// spells it. Every value is held as a `UInt64` in `Fields`.
public enum FieldRole: Sendable {
    /// Names an object of this kind.
    case handle(HandleKind)
    /// One to `max` objects of this kind (a scatterlist's buffers); always the last field.
    case handles(HandleKind, max: Int)
    /// A byte offset, driver- or host-chosen; `modulo` (0: none) bounds it when decoded.
    case offset(modulo: UInt64)
    /// A length in bytes, at least `minimum` when decoded.
    case size(minimum: UInt64)
    /// A small count, below `modulo`.
    case count(modulo: UInt64)
    /// A host-chosen id; the ones from `first` on name what the guest posted first.
    case id(first: UInt64)
    /// A page frame of guest memory, any of them.
    case page
    /// A yes/no; `simplest` is the value the minimiser moves towards.
    case flag(simplest: Bool)
    /// One of these named cases (raw value = position); `simplest` is the minimiser's goal.
    case choice([String], simplest: Int)
    /// One of these values, by index.
    case table([UInt64])
    /// `DMA_BIT_MASK(n)`'s n: byte 0 is 64, byte b is 20 + b % 44.
    case maskBits
    /// An option set's raw bits, spelled `Type(rawValue:)`; simpler with fewer bits.
    case optionSet(String)
    /// What the host writes over field `of` while the guest reads it (a double fetch).
    case rewrite(of: Int)
}

/// How a field sits in the bytes, little-endian.
public enum Wire: Sendable {
    case u8
    case u16
    /// Bits of a flags byte that neighbouring fields share; the field at shift 0 reads the byte.
    case bits(shift: UInt8, width: UInt8)
    /// One byte whose low bit says whether a 16-bit value follows; without it the field repeats
    /// the field its `.rewrite` role names.
    case race
}

/// One field of an operation kind.
public struct Field: Sendable {
    public let label: String
    public let role: FieldRole
    public let wire: Wire
    /// The positional struct this field belongs to in Swift source (`DeviceConfig`), if any.
    public let group: String?
    /// The value Swift source may leave out inside a group (the initialiser's default).
    public let swiftDefault: UInt64?
    /// Where the initialiser of the group takes this argument, when not in field order.
    public let swiftOrder: Int?

    public init(
        _ label: String, _ role: FieldRole, _ wire: Wire, group: String? = nil, swiftDefault: UInt64? = nil, swiftOrder: Int? = nil
    ) {
        self.label = label
        self.role = role
        self.wire = wire
        self.group = group
        self.swiftDefault = swiftDefault
        self.swiftOrder = swiftOrder
    }
}

/// An operation's field values, flat and inline (no allocation): what the codec reads and writes
/// and the minimiser edits. A `.handles` field holds its count, then one slot per entry.
public struct Fields: Hashable, Sendable {
    public static let capacity = 8
    var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    public init() {}

    /// The values in field order (a `.handles` field as its count, then its entries).
    public init(_ values: any FieldValue...) {
        for (i, v) in values.enumerated() { self[i] = v.fieldValue }
    }

    public subscript(i: Int) -> UInt64 {
        get { withUnsafeBytes(of: storage) { $0.load(fromByteOffset: (i & 7) << 3, as: UInt64.self) } }
        set { withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: newValue, toByteOffset: (i & 7) << 3, as: UInt64.self) } }
    }

    public static func == (a: Fields, b: Fields) -> Bool { (0 ..< capacity).allSatisfy { a[$0] == b[$0] } }
    public func hash(into h: inout Hasher) { for i in 0 ..< Self.capacity { h.combine(self[i]) } }

    public func int(_ i: Int) -> Int { Int(truncatingIfNeeded: self[i]) }
    public func u32(_ i: Int) -> UInt32 { UInt32(truncatingIfNeeded: self[i]) }
    public func bool(_ i: Int) -> Bool { self[i] != 0 }
    public func direction(_ i: Int) -> DmaDirection { DmaDirection(rawValue: UInt8(self[i] % 3))! }
    /// The `count` entries that follow slot `i` (a `.handles` field).
    public func list(_ i: Int) -> [Int] { (0 ..< int(i)).map { int(i + 1 + $0) } }
}

/// A typed value as a field holds it.
public protocol FieldValue { var fieldValue: UInt64 { get } }
extension Int: FieldValue { public var fieldValue: UInt64 { UInt64(clamping: self) } }
extension UInt64: FieldValue { public var fieldValue: UInt64 { self } }
extension UInt32: FieldValue { public var fieldValue: UInt64 { UInt64(self) } }
extension UInt16: FieldValue { public var fieldValue: UInt64 { UInt64(self) } }
extension UInt8: FieldValue { public var fieldValue: UInt64 { UInt64(self) } }
extension Bool: FieldValue { public var fieldValue: UInt64 { self ? 1 : 0 } }
extension DmaDirection: FieldValue { public var fieldValue: UInt64 { UInt64(rawValue) } }
extension Zone: FieldValue { public var fieldValue: UInt64 { UInt64(rawValue) } }
extension VirtioTransport: FieldValue { public var fieldValue: UInt64 { UInt64(rawValue) } }
extension VirtioFeatures: FieldValue { public var fieldValue: UInt64 { UInt64(rawValue) } }
extension VmbusDeviceClass: FieldValue { public var fieldValue: UInt64 { UInt64(rawValue) } }
