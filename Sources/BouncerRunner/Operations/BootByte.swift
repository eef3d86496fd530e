import BouncerPolicy

/// The header's boot byte (format version 8 on): the boot configuration as its place in
/// `SwiotlbBoot.all`, which only grows at the end, so every file keeps its meaning. Any byte names
/// one: its value modulo the count.
extension ScenarioCodec {
    /// The place in `SwiotlbBoot.all` a boot byte names.
    static func bootIndex(ofByte byte: UInt8) -> Int { Int(byte) % SwiotlbBoot.all.count }

    /// The boot byte the encoder writes for `boot`.
    static func bootByte(_ boot: SwiotlbBoot) -> UInt8 { UInt8(boot.index) }
}
