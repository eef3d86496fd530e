/// The part of an object of `total` bytes that an offset and a size chosen by a driver or the
/// host name: the offset wraps into the object and the size is clamped to what is left, and is at
/// least one byte. Operations carry any 16-bit offset and size; this is how each one lands.
public struct ByteSlice: Hashable, Sendable {
    public let offset: UInt32
    public let size: UInt32

    public init(offset: UInt32, size: UInt32, within total: UInt32) {
        precondition(total > 0, "a slice of an empty object")
        self.offset = offset % total
        self.size = max(1, min(size, total - self.offset))
    }
}
