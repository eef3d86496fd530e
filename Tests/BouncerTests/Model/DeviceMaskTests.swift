import BouncerModel
import BouncerPolicy
import Testing

/// The driver's `dma_set_mask_and_coherent()` at probe: `dma_set_mask()` refuses what
/// `dma_direct_supported()` refuses (v6.12), and the device keeps the bus's 32-bit default.
@Suite struct DeviceMaskTests {
    /// A 24-bit mask reaches the top of ZONE_DMA (16 MiB) only without a dma-ranges offset: with
    /// one, 6.12 refuses it. The device still exists, with `DMA_BIT_MASK(32)`, so a buffer above
    /// 4 GiB bounces through the default pool at 1 GiB; with the 24-bit mask that pool would be
    /// out of reach and the map would fail.
    @Test func aSmallMaskThatAnOffsetPushesPastZoneDmaIsRefusedAndTheDeviceKeepsTheDefault() throws {
        var s = system(.nonConfidential, profile("linux-6.12"), device: DeviceConfig(dmaMaskBits: 24, dmaRangeOffset: 0x1000_0000))
        #expect(s.devices.count == 1)
        #expect(s.devices[0].maskRefused)
        #expect(s.devices[0].dmaMask == 0xFFFF_FFFF)
        #expect(s.devices[0].config.dmaMaskBits == 24)
        let b = s.kmalloc(size: 64)!
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 64, direction: .toDevice, attrs: [])
        let mapping = try #require(m.map { s.mappings[$0] })
        #expect(mapping.live && mapping.bouncePool == 0)
        #expect(mapping.dma == mapping.tlbAddress + 0x1000_0000)
    }

    @Test func aMaskThatReachesTheTopOfZoneDmaIsInstalled() {
        for (bits, offset) in [(24 as UInt8, 0 as UInt64), (32, 0x8000_0000), (40, 0x8000_0000), (64, 0)] {
            let s = system(.tdx, profile("linux-6.12"), device: DeviceConfig(dmaMaskBits: bits, dmaRangeOffset: offset))
            #expect(!s.devices[0].maskRefused, "DMA_BIT_MASK(\(bits)), offset \(hex(offset))")
            #expect(s.devices[0].dmaMask == DeviceConfig(dmaMaskBits: bits).dmaMask)
        }
    }

    /// The top of ZONE_DMA is the architecture's: 16 MiB on x86, 2 GiB on s390 and ppc64, 4 GiB
    /// on an arm64 guest whose firmware gives no narrower limit.
    @Test func zoneDmaIsTheArchitecturesSoA31BitMaskIsRefusedOnlyOnArm64() {
        for kind in PlatformKind.allCases {
            let s = system(kind, device: DeviceConfig(dmaMaskBits: 31))
            #expect(s.devices[0].maskRefused == (kind == .cca || kind == .pkvm), "\(kind)")
        }
        for kind in [PlatformKind.nonConfidential, .tdx, .sevSnp, .sevSnpVtom] {
            #expect(system(kind, device: DeviceConfig(dmaMaskBits: 23)).devices[0].maskRefused, "\(kind)")
        }
    }
}
