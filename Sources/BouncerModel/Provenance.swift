/// Where a byte of guest memory came from, packed in 32 bits so the provenance map stays small.
///
/// A guest byte names the allocation that wrote it and whether the guest has *disclosed* it:
/// given it on purpose to an untrusted device (mapped it for DMA) or written it into memory it
/// shared on purpose. Host bytes carry the serial of the host write that put them there.
public struct Provenance: Hashable, Sendable, CustomStringConvertible {
    public let raw: UInt32

    @inlinable init(raw: UInt32) { self.raw = raw }

    @usableFromInline static let kindShift: UInt32 = 30
    @usableFromInline static let disclosedBit: UInt32 = 1 << 29
    @usableFromInline static let idMask: UInt32 = (1 << 29) - 1

    /// Memory nobody has written: boot-time zeroes, a freshly converted page, `memset(0)`.
    public static let zero = Provenance(raw: 0)
    /// Used only by checkers for "any byte is acceptable here".
    public static let unconstrained = Provenance(raw: 3 << kindShift)

    @inlinable public static func host(_ serial: UInt32) -> Provenance {
        Provenance(raw: 1 << kindShift | (serial & idMask))
    }

    @inlinable public static func guest(_ allocation: UInt32, disclosed: Bool) -> Provenance {
        Provenance(raw: 2 << kindShift | (disclosed ? disclosedBit : 0) | (allocation & idMask))
    }

    @inlinable public var isZero: Bool { raw == 0 }
    @inlinable public var isHost: Bool { raw >> Self.kindShift == 1 }
    @inlinable public var isGuest: Bool { raw >> Self.kindShift == 2 }
    @inlinable public var isUnconstrained: Bool { raw >> Self.kindShift == 3 }
    @inlinable public var isDisclosed: Bool { isGuest && raw & Self.disclosedBit != 0 }
    @inlinable public var isUndisclosedGuest: Bool { raw >> Self.kindShift == 2 && raw & Self.disclosedBit == 0 }
    /// The allocation (guest) or host write serial (host).
    @inlinable public var id: UInt32 { raw & Self.idMask }
    @inlinable public var disclosing: Provenance { isGuest ? Provenance(raw: raw | Self.disclosedBit) : self }
    /// The same origin, whatever the disclosure.
    @inlinable public var origin: Provenance { Provenance(raw: raw & ~Self.disclosedBit) }

    public var description: String {
        if isZero { return "zero" }
        if isHost { return "host write #\(id)" }
        if isUnconstrained { return "any" }
        return "guest allocation #\(id)" + (isDisclosed ? " (disclosed)" : " (undisclosed)")
    }
}
