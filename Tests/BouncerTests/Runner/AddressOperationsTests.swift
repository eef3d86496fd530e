import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// `unmapByAddress`, `syncForCpuByAddress`, `syncForDeviceByAddress`: the DMA layer driven by the
/// address a driver passes, as the kernel is (`dma_to_phys()`, `swiotlb_find_pool()`).
@Suite struct AddressOperationsTests {
    /// The handle operation's by-address twin, naming the exact address the mapping returned.
    static func byAddress(_ op: Operation) -> Operation? {
        switch op {
        case let .unmap(m, skip): .unmapByAddress(mapping: m, delta: 0, skipCpuSync: skip)
        case let .syncForCpu(m, o, s): .syncForCpuByAddress(mapping: m, delta: 0, offset: o, size: s)
        case let .syncForDevice(m, o, s): .syncForDeviceByAddress(mapping: m, delta: 0, offset: o, size: s)
        default: nil
        }
    }

    static func mapping(of op: Operation) -> Int? {
        switch op {
        case let .unmap(m, _), let .syncForCpu(m, _, _), let .syncForDevice(m, _, _): m
        default: nil
        }
    }

    /// What a step leaves behind: pools and slots, page owners and states, the step's events.
    static func footprint(_ s: System) -> String {
        let pools = s.swiotlbPools.map { p in "\(p.used) \(p.live) " + p.slots.map { "\($0.origAddr),\($0.list),\($0.mapping)" }.joined(separator: ";") }
        return "\(pools)|\(s.memory.owners)|\(s.memory.states)|\(s.events)|\(s.mappings.map(\.live))|\(s.readBacks.count)"
    }

    /// At the address the mapping returned, each by-address operation does what its handle
    /// operation does: same outcome, same pools, pages and events, same violations at every step
    /// and at the end, over random sequences on every platform. Compared up to the first
    /// mapping that is direct into a swiotlb pool (a `DMA_ATTR_CC_SHARED` mapping of a
    /// restricted-dma-pool allocation), where the kernel's lookup by address finds the pool and
    /// the handle does not (UnmapByAddressTests).
    @Test(arguments: PlatformKind.allCases)
    func theReturnedAddressBehavesAsTheHandle(_ platform: PlatformKind) {
        var translated = 0, bounced = 0
        for seed in 0 ..< 10 as Range<UInt64> {
            let scenario = RandomExplorer.scenario(seed: seed, platform: platform, length: 120, profile: .linuxUpstream)
            var handle = Runner(platform: platform, profile: .linuxUpstream)
            var address = handle
            for op in scenario.operations {
                var twin = op
                if let m = Self.mapping(of: op), m < handle.system.mappings.count, let other = Self.byAddress(op) {
                    let mapping = handle.system.mappings[m]
                    let phys = handle.system.dmaToPhys(mapping.device, mapping.dma)
                    if mapping.live && mapping.bouncePool == nil && handle.system.swiotlbFindPool(mapping.device, phys) != nil { break }
                    twin = other
                    if mapping.live {
                        translated += 1
                        if mapping.bouncePool != nil { bounced += 1 }
                    }
                }
                let v1 = handle.run(op), v2 = address.run(twin)
                #expect(v1 == v2, "\(platform) seed \(seed): \(op)")
                #expect(handle.lastOutcome == address.lastOutcome)
                #expect(Self.footprint(handle.system) == Self.footprint(address.system), "\(platform) seed \(seed): \(op)")
                if !v1.isEmpty { break }
            }
            #expect(handle.finish() == address.finish())
        }
        #expect(translated > 20, "\(platform): \(translated) compared")
        if platform != .nonConfidential { #expect(bounced > 5, "\(platform): \(bounced) bounced") }
    }

    @Test func probe() {
        let base: [Operation] = [
            .probeDevice(DeviceConfig()), .kmalloc(size: 512, zone: .normal), .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 1, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
        ]
        for tail in [
            [Operation.unmapByAddress(mapping: 0, delta: 0x800, skipCpuSync: false)],
            [.unmapByAddress(mapping: 0, delta: 0x800, skipCpuSync: false), .kmalloc(size: 512, zone: .normal),
             .mapBuffer(device: 0, buffer: 2, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false)],
            [.unmapByAddress(mapping: 0, delta: 0x8000, skipCpuSync: false)],
            [.deviceWrite(mapping: 0, offset: 0, size: 512), .syncForCpuByAddress(mapping: 0, delta: 0x800, offset: 0, size: 512)],
            [.deviceWrite(mapping: 1, offset: 0, size: 512), .syncForCpuByAddress(mapping: 0, delta: 0x800, offset: 0, size: 512)],
            [.cpuWrite(buffer: 1, offset: 0, size: 512), .syncForDeviceByAddress(mapping: 0, delta: 0x800, offset: 0, size: 512)],
        ] as [[Operation]] {
            let r = Runner.run(Scenario(platform: .tdx, operations: base + tail), profile: .linuxUpstream, tracing: true)
            print(r.trace.joined(separator: "\n"))
            print("VERDICT", r.violations)
        }
    }
}
