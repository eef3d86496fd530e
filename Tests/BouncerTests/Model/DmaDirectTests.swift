import BouncerModel
import BouncerPolicy
import Testing

/// `dma_direct_map_phys`, `dma_direct_unmap_phys`, `dma_direct_map_sg` under each profile.
@Suite struct DmaDirectTests {
    func map(_ s: inout DmaLayer, device: Int = 0, size: UInt32 = 512, attrs: DmaAttrs = []) -> Int? {
        let b = s.kmalloc(size: size)!
        return s.dmaMapPhys(device: device, phys: s.buffers[b].phys, size: size, direction: .toDevice, attrs: attrs)
    }

    /// `dma_direct_sync_sg_for_cpu()` and `_for_device()` sync each entry whole (v6.12).
    @Test func syncingAScatterlistSyncsEveryEntryWhole() {
        var s = system()
        let a = s.kmalloc(size: 512)!, b = s.kmalloc(size: 4096)!
        let sg = s.dmaMapSg(
            device: 0, entries: [(s.buffers[a].phys, 512), (s.buffers[b].phys, 4096)], direction: .bidirectional, attrs: [])!
        s.beginStep()
        s.dmaSyncSgForCpu(sg)
        s.dmaSyncSgForDevice(sg)
        let synced = s.events.map { e -> String in
            switch e {
            case let .syncedForCpu(m, offset, size, _): "cpu \(m) \(offset) \(size)"
            case let .syncedForDevice(m, offset, size): "device \(m) \(offset) \(size)"
            default: "other"
            }
        }
        #expect(synced.filter { $0 != "other" } == ["cpu 0 0 512", "cpu 1 0 4096", "device 0 0 512", "device 1 0 4096"])
    }

    @Test func anUntrustedDeviceIsBouncedBecauseDmaCapableRefusesThePrivateEncoding() {
        var s = system()
        let m = map(&s)!
        #expect(s.mappings[m].bouncePool == 0)
        #expect(s.memory.states[GuestMemory.page(ofPhys: s.mappings[m].dma)!] == .decrypted)
    }

    @Test func aTrustedDeviceIsMappedDirectlyWithThePrivateEncoding() {
        for kind in [PlatformKind.tdx, .sevSnp, .cca] {
            var s = system(kind, device: trusted)
            let m = map(&s)!
            #expect(s.mappings[m].bouncePool == nil)
            #expect(s.mappings[m].dma == s.mappings[m].phys | Platform(kind).dmaEncryptedMask)
        }
    }

    @Test func theSwiotlbForceEraBouncesATrustedDeviceToo() {
        var s = system(.tdx, profile("linux-swiotlb-force"), device: trusted)
        let m = map(&s)!
        #expect(s.mappings[m].bouncePool == 0)
    }

    @Test func aDeviceWithoutSwiotlbGetsAnErrorNotAPrivateAddress() {
        var s = system(device: DeviceConfig(swiotlbDisabled: true))
        #expect(map(&s) == nil)
        #expect(s.devices[0].mapErrors == 1)
    }

    @Test func theSwiotlbForceEraMapsADeviceWithoutSwiotlbStraightToPrivateMemory() {
        var s = system(.tdx, profile("linux-swiotlb-force"), device: DeviceConfig(swiotlbDisabled: true))
        let m = map(&s)!
        #expect(s.mappings[m].bouncePool == nil)
        #expect(s.memory.states[GuestMemory.page(ofPhys: s.mappings[m].phys)!] == .encrypted)
    }

    @Test func aCCSharedBufferIsMappedDirectlyWithTheSharedEncoding() {
        var s = system(.cca)
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        let m = s.dmaMapPhys(device: 0, phys: s.coherent[c].phys, size: 256, direction: .toDevice, attrs: .ccShared)!
        #expect(s.mappings[m].bouncePool == nil)
        #expect(s.mappings[m].dma == s.coherent[c].phys | 1 << 47)
    }

    @Test func aSmallMaskBouncesEvenForANonConfidentialGuest() {
        var s = system(.nonConfidential, device: DeviceConfig(dmaMaskBits: 32))
        let m = map(&s)!
        #expect(s.mappings[m].bouncePool == 0)
        var t = system(.nonConfidential)
        let direct = map(&t)!
        #expect(t.mappings[direct].bouncePool == nil)
    }

    @Test func mmioIsNeverBounced() {
        var s = system()
        let m = s.dmaMapPhys(device: 0, phys: 0xF000_0000, size: 64, direction: .bidirectional, attrs: .mmio)!
        #expect(s.mappings[m].bouncePool == nil)
        #expect(s.mappings[m].dma == 0xF000_0000)
    }

    @Test func aFailedScatterlistUnmapsTheEntriesItMapped() {
        var s = system(device: DeviceConfig(restrictedPool: true))
        let bs = [60000, 60000, 20000].map { s.kmalloc(size: UInt32($0))! }
        let sg = s.dmaMapSg(device: 0, entries: bs.map { (s.buffers[$0].phys, s.buffers[$0].size) }, direction: .toDevice, attrs: [])
        #expect(sg == nil)
        #expect(!s.mappings.contains { $0.live })
        #expect(s.swiotlbPools[s.devices[0].restrictedPool!].used == 0)
    }

    @Test func aRestrictedPoolDeviceAlwaysBouncesThroughItsPool() {
        var s = system(device: DeviceConfig(trusted: false, restrictedPool: true))
        let pool = s.devices[0].restrictedPool!
        #expect(s.swiotlbPools[pool].kind == .restricted && s.swiotlbPools[pool].decrypted)
        let m = map(&s)!
        #expect(s.mappings[m].bouncePool == pool)
    }
}
