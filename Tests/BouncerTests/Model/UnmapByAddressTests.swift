import BouncerModel
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// `dma_unmap_phys()` as the kernel runs it: by the DMA address the driver passes
/// (`dma_to_phys()`, `swiotlb_find_pool()`, the slot at that address).
@Suite struct UnmapByAddressTests {
    /// With the address, size and direction the mapping returned, the kernel's path finds the
    /// mapping's own pool and slots: the same outcome as the model's handle, at every live
    /// mapping of random sequences on every platform (bounced or direct, default, restricted,
    /// dynamic or transient pools). The one exception is a direct mapping of memory that itself
    /// lies in a swiotlb pool (today: a `DMA_ATTR_CC_SHARED` mapping of a restricted-dma-pool
    /// coherent allocation, which the model maps directly): there the kernel's
    /// `swiotlb_tbl_unmap_single()` finds the pool from the address and releases the
    /// allocation's slots, where the handle-keyed model releases nothing. Existing operations keep
    /// the handle path; issue 16 item 5 (force-bouncing `DMA_ATTR_CC_SHARED`) decides that case.
    @Test(arguments: PlatformKind.allCases)
    func unmappingByTheReturnedAddressIsUnmappingTheMapping(_ platform: PlatformKind) {
        var compared = 0, bounced = 0
        // Seeds until the comparison has seen enough mappings (the explorer's draws change as
        // operations are added), at most 16.
        for seed in 0 ..< 16 as Range<UInt64> where compared <= 40 || (platform != .nonConfidential && bounced <= 10) {
            let scenario = RandomExplorer.scenario(seed: seed, platform: platform, length: 80, profile: .linuxUpstream)
            var g = Guest(platform: platform, behaviours: Behaviours(), boot: scenario.boot)
            for op in scenario.operations {
                g.beginStep()
                _ = g.apply(op)
                for m in g.system.mappings.indices where g.system.mappings[m].live {
                    var byHandle = g.system, byAddress = g.system
                    byHandle.beginStep()
                    byAddress.beginStep()
                    let mapping = g.system.mappings[m]
                    byHandle.dmaUnmapPhys(m)
                    byAddress.dmaUnmapAddress(m, dma: mapping.dma, size: mapping.size, direction: mapping.direction)
                    let directIntoPool = mapping.bouncePool == nil
                        && g.system.swiotlbFindPool(mapping.device, g.system.dmaToPhys(mapping.device, mapping.dma)) != nil
                    if directIntoPool {
                        #expect(mapping.attrs.contains(.ccShared), "\(platform) seed \(seed) mapping \(m)")
                        #expect(byAddress.swiotlbPools.map(\.used) != byHandle.swiotlbPools.map(\.used))
                        continue
                    }
                    #expect(dmaLayerFootprint(byHandle) == dmaLayerFootprint(byAddress), "\(platform) seed \(seed) mapping \(m)")
                    compared += 1
                    if mapping.bouncePool != nil { bounced += 1 }
                }
            }
        }
        #expect(compared > 40)
        if platform != .nonConfidential { #expect(bounced > 10) }
    }

    /// An address inside another live mapping's bounce slots releases that mapping's slots and
    /// bounces its slot into its buffer; the mapping the driver meant keeps its slots.
    @Test func aWrongAddressReachesTheSlotsItNames() {
        var s = system()
        let a = s.kmalloc(size: 512)!, b = s.kmalloc(size: 512)!
        let ma = s.dmaMapPhys(device: 0, phys: s.buffers[a].phys, size: 512, direction: .fromDevice, attrs: [])!
        let mb = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: [])!
        let pool = s.mappings[mb].bouncePool!
        let slotB = Int((s.mappings[mb].tlbAddress - s.swiotlbPools[pool].start) >> IOTLB.shift)
        let slotA = Int((s.mappings[ma].tlbAddress - s.swiotlbPools[pool].start) >> IOTLB.shift)
        s.beginStep()
        s.dmaUnmapAddress(ma, dma: s.mappings[mb].dma, size: 512, direction: .fromDevice)
        #expect(!s.mappings[ma].live && s.mappings[mb].live)
        #expect(s.swiotlbPools[pool].slots[slotB].mapping == -1)
        #expect(s.swiotlbPools[pool].slots[slotA].mapping == Int32(ma))
        #expect(s.events.contains { if case .bounced(ma, false, PhysAddr(s.mappings[mb].tlbAddress), PhysAddr(s.buffers[b].phys), _) = $0 { true } else { false } })
    }

    /// A device without swiotlb has no pool to find; with `CONFIG_SWIOTLB_DYNAMIC` a device finds
    /// one only once it has had slots (`dma_uses_io_tlb`); without it, the default pool always.
    @Test func whereSwiotlbFindPoolLooks() {
        var s = system(device: DeviceConfig(swiotlbDisabled: true))
        let start = s.swiotlbPools[0].start
        #expect(s.swiotlbFindPool(0, start) == nil)
        s.probeDevice(untrusted)
        #expect(s.swiotlbFindPool(1, start) == nil)
        let b = s.kmalloc(size: 64)!
        _ = s.dmaMapPhys(device: 1, phys: s.buffers[b].phys, size: 64, direction: .toDevice, attrs: [])!
        #expect(s.devices[1].usesIoTlb && s.swiotlbFindPool(1, start) == 0)
        let old = system(.tdx, profile("linux-6.12"))
        #expect(!old.devices[0].usesIoTlb && old.swiotlbFindPool(0, start) == 0)
    }
}
