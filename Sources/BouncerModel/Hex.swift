/// An address or mask as the kernel prints it.
public func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
