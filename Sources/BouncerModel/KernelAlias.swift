import BouncerPolicy

/// A kernel virtual mapping the CPU reaches an allocation's pages through, and the encryption
/// attribute its page-table entries carry. The linear map's attribute follows the pages:
/// `set_memory_decrypted()`/`set_memory_encrypted()` rewrite it with the conversion. A vmap alias
/// (`dma_common_contiguous_remap()` under `CONFIG_DMA_DIRECT_REMAP`: `dma_direct_alloc()` for a
/// device that is not DMA-coherent, the atomic pools' chunks in `atomic_pool_expand()`) keeps the
/// pgprot it was made with (`pgprot_decrypted` or not), whatever later happens to the pages.
public struct KernelAlias: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: UInt8, Hashable, Sendable {
        /// `page_address()`: the kernel's direct map.
        case linearMap
        /// A vmalloc-space alias made by `dma_common_contiguous_remap()`.
        case vmap
    }

    public var kind: Kind
    /// The alias's pgprot has `pgprot_decrypted()` (the shared bit set, the C-bit clear).
    public var decrypted: Bool

    public init(_ kind: Kind, decrypted: Bool) {
        self.kind = kind
        self.decrypted = decrypted
    }

    public var description: String {
        "\(kind == .linearMap ? "linear map" : "vmap alias") (\(decrypted ? "pgprot_decrypted" : "encrypted pgprot"))"
    }
}

extension DmaLayer {
    /// `arch_setup_dma_ops()`: firmware (`dma-coherent` in the device tree, ACPI `_CCA`) says
    /// whether the device snoops the CPU's caches (`dev->dma_coherent`, `dev_is_dma_coherent()`).
    /// Only before the device holds any coherent allocation: the driver core sets it at probe.
    public mutating func archSetupDmaOps(device: Int, coherent isCoherent: Bool) {
        guard device < devices.count, !coherent.contains(where: { $0.live && $0.device == device }) else { return }
        devices[device].config.coherent = isCoherent
    }

    /// The CPU writes `size` bytes at `phys` through `alias` (the kernel's zeroing, a driver's
    /// write): recorded so the oracle can judge the alias against the pages' state.
    mutating func cpuAccess(phys: UInt64, size: UInt64, through alias: KernelAlias) {
        guard size > 0, let lo = GuestMemory.byteIndex(ofPhys: phys) else { return }
        let hi = min(UInt64(lo) + size, UInt64(GuestMemory.pageCount) << GuestMemory.pageShift)
        events.append(.cpuAccessed(lo: ByteIndex(lo), hi: ByteIndex(UInt32(truncatingIfNeeded: hi)), alias: alias))
    }
}
