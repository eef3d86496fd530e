/// A device's `dma_range_map` (include/linux/dma-direct.h, v6.12 and mainline): a list of
/// `struct bus_dma_region`s (`cpu_start`, `dma_start`, `size`) that firmware's dma-ranges describe.
/// The model's device has at most one region, read from what the byte format already carries:
/// none when the dma-ranges offset is 0 (DMA address = physical address, the lookup cannot fail);
/// otherwise `cpu_start` 0, `dma_start` = the offset, and the region ends at `bus_dma_limit`,
/// because `of_dma_configure_id()` (drivers/of/device.c) sets the limit to the last DMA address the
/// map covers (`dma_range_map_max()`). A limit of 0 (none) or below the offset names no end:
/// the region then reaches the top of the address space.
///
/// An address outside the region does not translate: `translate_phys_to_dma()` returns
/// `DMA_MAPPING_ERROR`, which `dma_capable()` refuses, and `translate_dma_to_phys()` returns
/// `PHYS_ADDR_MAX`, which no swiotlb pool holds (`is_swiotlb_buffer()`, `swiotlb_find_pool()`).
extension PolicyDomain {
    /// The last DMA address the device's region covers.
    @inlinable public func dmaRangeLast(_ dev: DeviceTerms<Self>) -> Word {
        select(lessOrEqual(dev.dmaRangeOffset, dev.busDmaLimit), dev.busDmaLimit, constant(~0 as UInt64))
    }

    /// The region holds `phys` (`paddr - cpu_start < size` in `translate_phys_to_dma()`).
    @inlinable public func dmaRangeCoversPhys(_ dev: DeviceTerms<Self>, _ phys: Word) -> Boolean {
        or(isZero(dev.dmaRangeOffset), lessOrEqual(phys, subtract(dmaRangeLast(dev), dev.dmaRangeOffset)))
    }

    /// The region holds the canonical DMA address `dma` (`dma_addr - dma_start < size` in
    /// `translate_dma_to_phys()`).
    @inlinable public func dmaRangeCoversDma(_ dev: DeviceTerms<Self>, _ dma: Word) -> Boolean {
        or(isZero(dev.dmaRangeOffset), and(lessOrEqual(dev.dmaRangeOffset, dma), lessOrEqual(dma, dmaRangeLast(dev))))
    }

    /// `translate_phys_to_dma()`: physical + offset inside the region, `DMA_MAPPING_ERROR` outside.
    @inlinable public func translatePhysToDma(_ dev: DeviceTerms<Self>, _ phys: Word) -> Word {
        select(dmaRangeCoversPhys(dev, phys), add(phys, dev.dmaRangeOffset), constant(dmaMappingError))
    }

    /// `translate_dma_to_phys()`: DMA − offset inside the region, `PHYS_ADDR_MAX` outside.
    @inlinable public func translateDmaToPhys(_ dev: DeviceTerms<Self>, _ dma: Word) -> Word {
        select(dmaRangeCoversDma(dev, dma), subtract(dma, dev.dmaRangeOffset), constant(physAddrMax))
    }

    /// `phys_to_dma()`: `dma_addr_encrypted(translate_phys_to_dma())`; `DMA_MAPPING_ERROR` stays
    /// all ones whatever bit the encoding sets.
    @inlinable public func physToDma(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: Word) -> Word {
        bitOr(translatePhysToDma(dev, phys), p.dmaEncryptedMask)
    }

    /// `phys_to_dma_unencrypted()`: `dma_addr_unencrypted(translate_phys_to_dma())`.
    @inlinable public func physToDmaUnencrypted(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: Word) -> Word {
        bitOr(translatePhysToDma(dev, phys), p.dmaSharedMask)
    }

    /// `phys_to_dma_direct()`: the unencrypted form when `force_dma_unencrypted()`.
    @inlinable public func physToDmaDirect(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: Word, shared: Boolean
    ) -> Word {
        select(shared, physToDmaUnencrypted(p, dev, phys), physToDma(p, dev, phys))
    }

    /// `dma_to_phys()` (mainline): `dma_addr_canonical()` strips the encoding, then
    /// `translate_dma_to_phys()`. v6.12 looks the address up before `__sme_clr()`, so there an SEV
    /// C-bit address misses a region that ends below bit 51; the model follows mainline.
    @inlinable public func dmaToPhys(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ dma: Word) -> Word {
        translateDmaToPhys(dev, bitAnd(dma, bitNot(bitOr(p.dmaSharedMask, p.dmaEncryptedMask))))
    }
}

/// `PHYS_ADDR_MAX`: what `translate_dma_to_phys()` returns for an address no region holds.
public let physAddrMax: UInt64 = ~0
