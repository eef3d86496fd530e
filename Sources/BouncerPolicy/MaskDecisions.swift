/// `DMA_BIT_MASK(32)`: the streaming and coherent masks a device has before its driver sets any.
/// The bus sets them: PCI in `pci_setup_device()` and `pci_device_add()` (drivers/pci/probe.c),
/// platform devices in `setup_pdev_dma_masks()` (drivers/base/platform.c), v6.12 both.
public let busDefaultDmaMask: UInt64 = 0xFFFF_FFFF

extension PolicyDomain {
    /// `dma_direct_supported()` (v6.12 kernel/dma/direct.c), which `dma_supported()` asks for a
    /// dma-direct device: a mask of 32 bits or more always works; a smaller one must reach, in
    /// the device's own bus addresses (`phys_to_dma_unencrypted()`, so without the SME bit), the
    /// lower of the last page of RAM and the top of ZONE_DMA, where the smallest allocations go.
    /// `lastPage` is `(max_pfn - 1) << PAGE_SHIFT`.
    @inlinable public func dmaDirectSupported(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, mask: Word, lastPage: Word
    ) -> Boolean {
        let reach = select(lessThan(p.zoneDmaLimit, lastPage), p.zoneDmaLimit, lastPage)
        return or(
            lessOrEqual(constant(0xFFFF_FFFF as UInt64), mask),
            lessOrEqual(physToDmaUnencrypted(p, dev, reach), mask))
    }

    /// The mask a probe leaves in `*dev->dma_mask` and `dev->coherent_dma_mask`: the driver's
    /// `dma_set_mask_and_coherent()` (include/linux/dma-mapping.h) installs its mask only where
    /// `dma_set_mask()` (kernel/dma/mapping.c) accepts it; refused, it returns -EIO, does not try
    /// the coherent mask, and the device keeps the bus's default.
    @inlinable public func dmaSetMask(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, requested: Word, lastPage: Word
    ) -> Word {
        select(dmaDirectSupported(p, dev, mask: requested, lastPage: lastPage), requested, constant(busDefaultDmaMask))
    }
}
