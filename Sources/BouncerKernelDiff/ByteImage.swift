import BouncerModel

/// The model keeps whose bytes sit where (`Provenance`), the kernel keeps bytes. The kernel side
/// is given, for every byte a driver or the host writes, one byte value computed from the
/// model's provenance of it (its origin: whose allocation or which host write, not whether it
/// was disclosed), so copies on either side carry comparable values. Equal provenance always
/// compares equal; two different origins share a value with probability 1/255, so a
/// difference in bytes is always real while a coincidence can hide one.
enum ByteImage {
    @inlinable static func byte(_ p: Provenance) -> UInt8 {
        if p.isZero { return 0 }
        var x = p.origin.raw &* 0x9E37_79B1
        x ^= x >> 15
        x = x &* 0x85EB_CA77
        x ^= x >> 13
        return UInt8(x % 255) + 1
    }

    /// What the model says the CPU reads at `phys` (count bytes within one zone); nil outside RAM.
    static func model(_ s: DmaLayer, phys: UInt64, count: Int) -> [UInt8]? {
        guard count > 0 else { return [] }
        guard let lo = GuestMemory.byteIndex(ofPhys: phys), let last = GuestMemory.byteIndex(ofPhys: phys + UInt64(count) - 1),
            last == lo + UInt32(count) - 1
        else { return nil }
        return [UInt8](unsafeUninitializedCapacity: count) { out, n in
            s.memory.contents.forEachRun(lo, lo + UInt32(count)) { a, b, tag in
                UnsafeMutableBufferPointer(rebasing: out[Int(a - lo) ..< Int(b - lo)]).initialize(repeating: byte(tag))
                return true
            }
            n = count
        }
    }
}
