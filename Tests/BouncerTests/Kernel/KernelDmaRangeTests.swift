import BouncerKernel
@testable import BouncerKernelDiff
import BouncerModel
import BouncerPolicy
import Testing

extension KernelTests {
    /// The one `dma_range_map` region the differential runner gives the kernel for a device byte
    /// with a dma-ranges offset, against the model's (`dmaRangeLast`, `translate_dma_to_phys()`).
    @Suite struct DmaRangeMap {
        static let windowed = DeviceConfig(busDmaLimit: 0x3FFF_FFFF, dmaRangeOffset: 0x1000_0000)

        @Test func theKernelsRegionEndsWhereTheModelsDoes() throws {
            for (limit, offset) in [(0x3FFF_FFFF as UInt64, 0x1000_0000 as UInt64), (0xFFFF_FFFF, 0x8000_0000), (0, 0x1000_0000), (0x3FFF_FFFF, 0x8000_0000)] {
                let c = DeviceConfig(busDmaLimit: limit, dmaRangeOffset: offset)
                let k = try KernelSide.deviceConfig(c, confidential: true).get()
                let range = try #require(k.range)
                let d = ConcreteDomain()
                let dev = DeviceTerms<ConcreteDomain>(
                    accepted: false, dmaMask: ~0, busDmaLimit: limit, dmaRangeOffset: offset,
                    swiotlbDisabled: false, restrictedPool: false, forceBounce: false)
                #expect(range.cpuStart == 0 && range.dmaStart == offset)
                #expect(range.dmaStart &+ range.size &- 1 == d.dmaRangeLast(dev), "limit \(hex(limit)), offset \(hex(offset))")
            }
            #expect(try KernelSide.deviceConfig(DeviceConfig(busDmaLimit: 0x3FFF_FFFF), confidential: true).get().range == nil)
        }

        /// 6.12's `dma_direct_unmap_page()` with a bus address above the device's region:
        /// `dma_to_phys()` gives `PHYS_ADDR_MAX`, `is_swiotlb_buffer()` is false and another
        /// device's bounce slot is neither copied back nor released; the model finds no pool
        /// either. With the former 1 TiB region the kernel bounced that slot back.
        @Test func anUnmapAboveTheRegionReachesNoSlotInTheKernelOrTheModel() throws {
            for bounded in [true, false] {
                let g = try KernelGuest(platform: .tdx)
                let other = try g.addDevice()
                var config = try KernelSide.deviceConfig(Self.windowed, confidential: true).get()
                if !bounded { config.range = (cpuStart: 0, dmaStart: 0x1000_0000, size: 1 << 40) }
                let windowed = try g.addDevice(config)
                let buffer = try #require(g.allocBuffer(pages: 1))
                let dma = try #require(g.mapSingle(device: other, phys: buffer, size: 64, .bidirectional))
                let slot = try #require(g.events.compactMap { if case let .swiotlbSlot(_, _, phys) = $0 { phys } else { nil } }.first)
                #expect(slot == dma)
                g.clearEvents()
                g.unmapSingle(device: windowed, dma: slot + 0x1000_0000, size: 64, .bidirectional)
                let copied = g.events.contains { if case .copy = $0 { true } else { false } }
                #expect(copied == !bounded, "bounded: \(bounded)")
            }
            var s = system(.tdx, profile("linux-6.12"), device: Self.windowed)
            s.probeDevice(untrusted)
            #expect(s.dmaToPhys(0, s.swiotlbPools[0].start + 0x1000_0000) == physAddrMax)
            #expect(s.swiotlbFindPool(0, s.dmaToPhys(0, s.swiotlbPools[0].start + 0x1000_0000)) == nil)
        }
    }
}
