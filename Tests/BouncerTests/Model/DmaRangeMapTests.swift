import BouncerModel
import BouncerPolicy
import Testing

/// A device's `dma_range_map` as one bounded `bus_dma_region` (include/linux/dma-direct.h):
/// `cpu_start` 0, `dma_start` the dma-ranges offset, ending at the bus limit. Outside it
/// `translate_phys_to_dma()` gives `DMA_MAPPING_ERROR` and `translate_dma_to_phys()` gives
/// `PHYS_ADDR_MAX`.
@Suite struct DmaRangeMapTests {
    /// dma-ranges 0x1000_0000 onto physical 0 up to bus address 1 GiB - 1: physical memory up to
    /// 0x2FFF_FFFF. The default swiotlb pool (at 1 GiB) lies outside.
    let windowed = DeviceConfig(busDmaLimit: 0x3FFF_FFFF, dmaRangeOffset: 0x1000_0000)

    /// A driver unmapping by a DMA address above its device's region: `dma_to_phys()` gives
    /// `PHYS_ADDR_MAX`, which no pool holds, so another device's bounce slots (at the physical
    /// address the stray address minus the offset would name) stay held. With one offset over
    /// all memory the model released them. v6.12 (no `CONFIG_SWIOTLB_DYNAMIC`): every device with
    /// an `io_tlb_mem` looks in the default pool.
    @Test func anUnmapOutsideTheRegionFindsNoPool() throws {
        var s = system(.nonConfidential, profile("linux-6.12"), device: DeviceConfig(forceBounce: true))
        s.probeDevice(windowed)
        let a = s.kmalloc(size: 256)!
        let b = s.kmalloc(size: 256, zone: .dma)!
        let ma = s.dmaMapPhys(device: 0, phys: s.buffers[a].phys, size: 256, direction: .toDevice, attrs: [])!
        let mb = s.dmaMapPhys(device: 1, phys: s.buffers[b].phys, size: 256, direction: .toDevice, attrs: [])!
        let pool = try #require(s.mappings[ma].bouncePool)
        #expect(s.mappings[mb].bouncePool == nil && s.mappings[mb].dma == s.buffers[b].phys + 0x1000_0000)
        let slot = s.mappings[ma].tlbAddress
        let stray = slot + 0x1000_0000
        #expect(s.dmaToPhys(1, stray) == physAddrMax)
        #expect(s.swiotlbFindPool(1, s.dmaToPhys(1, stray)) == nil)
        let slotIndex = Int((slot - s.swiotlbPools[pool].start) >> IOTLB.shift)
        s.beginStep()
        s.dmaSyncForDeviceAddress(mb, dma: stray, offset: 0, size: 256)
        s.dmaUnmapAddress(mb, dma: stray, size: 256, direction: .toDevice)
        #expect(!s.mappings[mb].live && s.mappings[ma].live)
        #expect(s.swiotlbPools[pool].slots[slotIndex].mapping == Int32(ma))
        #expect(!s.events.contains { if case .bounced = $0 { true } else { false } })
    }

    /// A page the region does not cover: `dma_direct_map_page()` gets `DMA_MAPPING_ERROR`, which
    /// `dma_capable()` refuses, so it bounces; the default pool lies outside the region too, so
    /// `swiotlb_map()`'s address fails `dma_capable()` as well and the map fails, holding no slot.
    @Test func aPageOutsideTheRegionCannotBeMapped() throws {
        var s = system(.nonConfidential, device: windowed)
        let high = s.kmalloc(size: 256)!
        #expect(s.buffers[high].phys > 0x2FFF_FFFF)
        #expect(s.dmaMapPhys(device: 0, phys: s.buffers[high].phys, size: 256, direction: .toDevice, attrs: []) == nil)
        #expect(s.swiotlbPools.allSatisfy { $0.used == 0 })
    }
}
