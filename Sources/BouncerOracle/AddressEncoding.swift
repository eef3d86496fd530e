import BouncerModel
import BouncerPolicy

/// The oracle's own statement of what a DMA address names on each platform, written from the
/// architectures' definitions and never read from the model (`DmaLayer.dmaToPhys`,
/// `Platform.dmaSharedMask`), so that a wrong translation in the model is judged, not followed.
struct AddressEncoding {
    /// Set in a DMA address that names the shared alias: arm64 CCA's `PROT_NS_SHARED`, the top
    /// bit of the realm's IPA space (the model's realms have 48-bit IPAs: bit 47).
    let sharedBit: UInt64
    /// Set in a DMA address that names the private alias: the AMD SEV C-bit (CPUID 0x8000001F
    /// EBX[5:0]; bit 51 on the parts the model stands for). Without it a device reaches the page
    /// unencrypted.
    let privateBit: UInt64

    init(_ kind: PlatformKind) {
        switch kind {
        case .cca: (sharedBit, privateBit) = (1 << 47, 0)
        case .sevSnp: (sharedBit, privateBit) = (0, 1 << 51)
        // TDX: the shared bit (GPA bit 47, or 51 with 5-level EPT) lives in the guest's page
        // tables and the host's EPT; the host can reach only shared GPAs and devices are given
        // addresses without it. SNP with vTOM: the boundary bit (46) selects the alias in the
        // guest's own mappings; devices are given addresses below it. pKVM, s390 PV and pseries
        // have one address per page: being shared is a state of the page.
        case .nonConfidential, .tdx, .sevSnpVtom, .pkvm, .s390Pv, .pseriesSvm: (sharedBit, privateBit) = (0, 0)
        }
    }

    /// The address names the host-visible alias (or, where there are no aliases, the page itself).
    func namesSharedAlias(_ dma: DmaAddr) -> Bool {
        if sharedBit != 0 { return dma.raw & sharedBit != 0 }
        if privateBit != 0 { return dma.raw & privateBit == 0 }
        return true
    }

    /// The guest-physical address a device reaches: the alias bits stripped, then the device's
    /// DMA range as its firmware describes it. With an offset, dma-ranges is one window of bus
    /// addresses [offset, end] onto physical [0, end - offset] (DMA address = physical + offset),
    /// whose end the platform code reports as the bus limit (0 or below the offset: no end).
    /// A bus address outside the window reaches no memory: nil. Inlined: it runs on every
    /// hand-out, and the call cost as much as the arithmetic.
    @inline(__always) func phys(_ dma: DmaAddr, rangeOffset: UInt64, busLimit: UInt64) -> PhysAddr? {
        let bus = dma.raw & ~(sharedBit | privateBit)
        guard rangeOffset != 0 else { return PhysAddr(bus) }
        let end = busLimit >= rangeOffset ? busLimit : UInt64.max
        guard bus >= rangeOffset && bus <= end else { return nil }
        return PhysAddr(bus - rangeOffset)
    }
}
