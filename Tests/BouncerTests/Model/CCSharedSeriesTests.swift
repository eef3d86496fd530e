import BouncerModel
import BouncerPolicy
import Testing

/// What the `DMA_ATTR_CC_SHARED` series (v6, June 2026) changed in `dma_direct_map_phys()` and
/// `swiotlb_tbl_map_single()`, against v6.12 where the old path is kept (issue 16 items 5 and 6).
@Suite struct CCSharedSeriesTests {
    func map(_ s: inout DmaLayer, device: Int = 0, attrs: DmaAttrs = []) -> Int? {
        let b = s.kmalloc(size: 512)!
        return s.dmaMapPhys(device: device, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: attrs)
    }

    // MARK: forced bouncing (v6 09/20)

    @Test func forcedBouncingBouncesASharedBufferToo() {
        for config in [DeviceConfig(forceBounce: true), DeviceConfig(restrictedPool: true)] {
            var s = system(.tdx, device: config)
            let m = map(&s, attrs: .ccShared)!
            #expect(s.mappings[m].bouncePool != nil, "\(config)")
        }
    }

    @Test func forcedBouncingRefusesMmioAndRequireCoherent() {
        for attrs in [DmaAttrs.mmio, .requireCoherent, [.requireCoherent, .ccShared]] {
            var s = system(.tdx, device: DeviceConfig(forceBounce: true))
            #expect(map(&s, attrs: attrs) == nil, "\(attrs)")
            #expect(s.devices[0].mapErrors == 1)
        }
    }

    @Test func requireCoherentIsNeverBouncedWhereDmaCapableRefusesIt() {
        // An untrusted device's private buffer: dma_capable() refuses the encrypted address.
        var s = system(.tdx)
        #expect(map(&s, attrs: .requireCoherent) == nil)
    }

    /// The MMIO address is encoded like RAM: shared for a device that needs unencrypted DMA (CCA
    /// sets `PROT_NS_SHARED`), private for a trusted one (SEV sets the C-bit).
    @Test func mmioAddressesAreEncoded() {
        var cca = system(.cca)
        let m = cca.dmaMapPhys(device: 0, phys: 0xF000_0000, size: 4096, direction: .bidirectional, attrs: .mmio)!
        #expect(cca.mappings[m].dma == 0xF000_0000 | 1 << 47)
        var snp = system(.sevSnp, device: trusted)
        let t = snp.dmaMapPhys(device: 0, phys: 0xF000_0000, size: 4096, direction: .bidirectional, attrs: .mmio)!
        #expect(snp.mappings[t].dma == 0xF000_0000 | 1 << 51)
    }

    /// v6.12 `dma_direct_map_resource()`: the physical address, whatever `SWIOTLB_FORCE` says.
    @Test func beforeTheSeriesMmioIsMappedAtItsPhysicalAddressEvenWhenBouncingIsForced() {
        for kind in [PlatformKind.tdx, .cca] {
            var s = system(kind, profile("linux-6.12"))
            let m = s.dmaMapPhys(device: 0, phys: 0xF000_0000, size: 4096, direction: .bidirectional, attrs: .mmio)
            #expect(m.map { s.mappings[$0].dma } == 0xF000_0000, "\(kind)")
        }
    }

    // MARK: the io_tlb_mem's state (v6 06/20)

    /// A trusted device's `io_tlb_mem` is the default, decrypted one: `swiotlb_tbl_map_single()`
    /// refuses it whatever `DMA_ATTR_CC_SHARED` says.
    @Test func aTrustedDeviceIsRefusedTheDecryptedMemEvenForASharedBuffer() {
        for attrs in [DmaAttrs.ccShared, []] {
            var s = system(.tdx, device: DeviceConfig(trusted: true, forceBounce: true))
            #expect(map(&s, attrs: attrs) == nil, "\(attrs)")
        }
    }

    /// The attributes follow the mem, not the request: an untrusted device's private buffer bounced
    /// through the decrypted mem gets the shared encoding.
    @Test func theBounceAddressIsEncodedFromTheMemsState() {
        var s = system(.cca, device: DeviceConfig(forceBounce: true))
        let m = map(&s)!
        #expect(s.mappings[m].dma & 1 << 47 != 0)
    }

    // MARK: a restricted-dma-pool whose decryption failed (v6 17/20, issue 16 item 7)

    @Test func aDeviceWhoseRestrictedPoolFailedToDecryptKeepsTheDefaultMem() {
        var s = DmaLayer(platform: .tdx, behaviours: Behaviours())
        s.armConversionFault(ConversionFault(afterPages: 0))
        s.probeDevice(DeviceConfig(restrictedPool: true))
        #expect(s.devices[0].restrictedPool == nil)
        let m = map(&s)!
        #expect(s.mappings[m].bouncePool.map { s.swiotlbPools[$0].kind == .defaultPool } == true)
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        #expect(s.coherent[c].source == .pages)
        // The next device with the pool converts it again (rmem->priv was never set) and attaches.
        s.probeDevice(DeviceConfig(restrictedPool: true))
        #expect(s.devices[1].restrictedPool.map { s.swiotlbPools[$0].kind == .restricted } == true)
    }

    @Test func beforeTheSeriesTheDeviceUsesItsPoolWhateverTheConversionDid() {
        var s = DmaLayer(platform: .tdx, behaviours: profile("swiotlb-pool-state-2026").behaviours)
        s.armConversionFault(ConversionFault(afterPages: 0))
        s.probeDevice(DeviceConfig(restrictedPool: true))
        #expect(s.devices[0].restrictedPool != nil)
    }
}
