import BouncerPolicy
import Testing

/// `translate_phys_to_dma()` and `translate_dma_to_phys()` (include/linux/dma-direct.h) over the
/// device's one `bus_dma_region`: dma-ranges 0x1000_0000 onto physical 0, ending at the bus limit.
@Suite struct DmaRangesTests {
    @Test func translationsFailOutsideTheRegion() {
        let d = ConcreteDomain()
        let p = PlatformTerms(d, Platform(.nonConfidential))
        let dev = DeviceTerms<ConcreteDomain>(
            accepted: false, dmaMask: ~0, busDmaLimit: 0x3FFF_FFFF, dmaRangeOffset: 0x1000_0000,
            swiotlbDisabled: false, restrictedPool: false, forceBounce: false)
        #expect(d.physToDma(p, dev, 0) == 0x1000_0000)
        #expect(d.physToDma(p, dev, 0x2FFF_FFFF) == 0x3FFF_FFFF)
        #expect(d.physToDma(p, dev, 0x3000_0000) == dmaMappingError)
        #expect(d.dmaToPhys(p, dev, 0x3FFF_FFFF) == 0x2FFF_FFFF)
        #expect(d.dmaToPhys(p, dev, 0x4000_0000) == physAddrMax)
        #expect(d.dmaToPhys(p, dev, 0x0FFF_FFFF) == physAddrMax)
        // No offset: no dma_range_map, the lookup cannot fail. An offset without a limit (or a
        // limit below it): the region runs to the top of the address space.
        var plain = dev
        plain.dmaRangeOffset = 0
        #expect(d.dmaToPhys(p, plain, 0x4000_0000) == 0x4000_0000)
        var open = dev
        open.busDmaLimit = 0
        #expect(d.dmaToPhys(p, open, 0x1_0000_0000) == 0xF000_0000)
        #expect(d.physToDma(p, open, ~0 - 0x1000_0000) == ~0)
        #expect(d.physToDma(p, open, ~0 - 0x0FFF_FFFF) == dmaMappingError)
    }
}
