import BouncerModel
import BouncerOracle
import BouncerPolicy
@testable import BouncerRunner
import BouncerTransports
import Testing

/// `unmapByAddress`, `syncForCpuByAddress`, `syncForDeviceByAddress`: the DMA layer driven by the
/// address a driver passes, as the kernel is (`dma_to_phys()`, `swiotlb_find_pool()`).
@Suite struct AddressOperationsTests {
    /// The handle operation's by-address twin, naming the exact address the mapping returned.
    static func byAddress(_ op: GuestOperation) -> GuestOperation? {
        switch op {
        case let .unmap(m, skip): .unmapByAddress(mapping: m, delta: 0, skipCpuSync: skip)
        case let .syncForCpu(m, o, s): .syncForCpuByAddress(mapping: m, delta: 0, offset: o, size: s)
        case let .syncForDevice(m, o, s): .syncForDeviceByAddress(mapping: m, delta: 0, offset: o, size: s)
        default: nil
        }
    }

    static func mapping(of op: GuestOperation) -> Int? {
        switch op {
        case let .unmap(m, _), let .syncForCpu(m, _, _), let .syncForDevice(m, _, _): m
        default: nil
        }
    }

    /// At the address the mapping returned, each by-address operation does what its handle
    /// operation does: same outcome, same pools, pages and events, same violations at every step
    /// and at the end, over random sequences on every platform. Compared up to the first
    /// mapping that is direct into a swiotlb pool (a `DMA_ATTR_CC_SHARED` mapping of a
    /// restricted-dma-pool allocation), where the kernel's lookup by address finds the pool and
    /// the handle does not (UnmapByAddressTests). pKVM runs under the series' pKVM patch: a
    /// mainline pKVM guest hands its devices private addresses (a known finding) at once, which
    /// would end every sequence before anything is unmapped.
    @Test(arguments: PlatformKind.allCases)
    func theReturnedAddressBehavesAsTheHandle(_ platform: PlatformKind) {
        var translated = 0, bounced = 0
        let profile = platform == .pkvm ? profile("pkvm-cc-platform-series") : .linuxUpstream
        for seed in 0 ..< 10 as Range<UInt64> {
            let scenario = RandomExplorer.scenario(seed: seed, platform: platform, length: 120, profile: profile)
            var handle = Runner(platform: platform, profile: profile, boot: scenario.boot)
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
                #expect(dmaLayerFootprint(handle.system) == dmaLayerFootprint(address.system), "\(platform) seed \(seed): \(op)")
                if !v1.isEmpty { break }
            }
            #expect(handle.finish() == address.finish())
        }
        #expect(translated > 20, "\(platform): \(translated) compared")
        if platform != .nonConfidential { #expect(bounced > 5, "\(platform): \(bounced) bounced") }
    }

    /// Two bounced mappings of one untrusted device on TDX, in neighbouring slots of the default
    /// pool: mapping 0 (FROM_DEVICE) at slot 0, mapping 1 (TO_DEVICE) at slot 1.
    static func twoMappings() -> Runner {
        var r = Runner(platform: .tdx, profile: .linuxUpstream)
        for op: GuestOperation in [
            .probeDevice(DeviceConfig()), .kmalloc(size: 512, zone: .normal), .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 1, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
        ] {
            #expect(r.run(op).isEmpty)
        }
        #expect(r.system.mappings[1].dma == r.system.mappings[0].dma + 0x800)
        #expect(r.system.mappings.map(\.bouncePool) == [0, 0])
        return r
    }

    /// A driver unmapping mapping 0 one slot too far unmaps mapping 1's slot: the kernel bounces
    /// that slot (bytes the device may have written) into mapping 1's buffer and frees it while
    /// mapping 1 is live, and mapping 0's slot stays allocated to a mapping that is gone. The
    /// oracle reports both: SAFE-HOSTINPUT (a bounce outside the mapping the driver named) and
    /// SAFE-LIFECYCLE (the leaked slot).
    @Test func aWrongAddressReachesTheSlotItNames() {
        var r = Self.twoMappings()
        let v = r.run(.unmapByAddress(mapping: 0, delta: 0x800, skipCpuSync: false))
        let pool = r.system.swiotlbPools[0]
        #expect(!r.system.mappings[0].live && r.system.mappings[1].live)
        #expect(pool.slots[1].mapping == -1 && pool.slots[0].mapping == 0)
        #expect(r.system.events.contains {
            if case .bounced(0, false, PhysAddr(r.system.mappings[1].tlbAddress), PhysAddr(r.system.buffers[1].phys), 512) = $0 { true } else { false }
        })
        #expect(v.map(\.invariant) == [.safeHostInput, .safeLifecycle])
    }

    /// An address in no pool finds none (`swiotlb_find_pool()`): nothing is bounced or released,
    /// and mapping 0's slot leaks (SAFE-LIFECYCLE alone).
    @Test func anAddressOutsideEveryPoolReleasesNothing() {
        var r = Self.twoMappings()
        let before = r.system.swiotlbPools[0].slots.map(\.mapping)
        let v = r.run(.unmapByAddress(mapping: 0, delta: 0 &- 0x8000, skipCpuSync: false))
        #expect(r.system.swiotlbPools[0].slots.map(\.mapping) == before)
        #expect(!r.system.events.contains { if case .bounced = $0 { true } else { false } })
        #expect(v.map(\.invariant) == [.safeLifecycle])
    }

    /// A sync for the CPU one slot too far copies mapping 1's slot into mapping 1's buffer, not
    /// the device's bytes into mapping 0's: the CPU reads stale data (DATA-INTEGRITY) and a
    /// bounce wrote outside the mapping the driver named (SAFE-HOSTINPUT). A sync for the device
    /// of mapping 1 one slot too low copies mapping 0's buffer into mapping 0's shared slot
    /// (`__swiotlb_sync_single_for_device()` goes by the direction passed, TO_DEVICE): what the
    /// CPU wrote there since mapping 0 was made is now readable by the host (CONF-PRIVATE).
    @Test func aSyncAtAWrongAddressBouncesTheSlotItNames() {
        var r = Self.twoMappings()
        #expect(r.run(.deviceWrite(mapping: 0, offset: 0, size: 512)).isEmpty)
        let v = r.run(.syncForCpuByAddress(mapping: 0, delta: 0x800, offset: 0, size: 512))
        #expect(Set(v.map(\.invariant)) == [.safeHostInput, .dataIntegrity])
        var d = Self.twoMappings()
        #expect(d.run(.cpuWrite(buffer: 0, offset: 0, size: 512)).isEmpty)
        let w = d.run(.syncForDeviceByAddress(mapping: 1, delta: 0 &- 0x800, offset: 0, size: 512))
        #expect(Set(w.map(\.invariant)) == [.safeHostInput, .confPrivate])
        #expect(d.system.events.contains {
            if case .bounced(1, true, PhysAddr(d.system.mappings[0].tlbAddress), PhysAddr(d.system.buffers[0].phys), 512) = $0 { true } else { false }
        })
    }

    /// A driver's wrong address is its own bug: runs past known findings (the fuzz targets,
    /// `check`) judge nothing after it, while a plain run still reports what the kernel did. An
    /// address inside the mapping (a range sync by address) breaks no contract and is judged.
    @Test func aDriversWrongAddressIsNotAKernelFinding() {
        let setUp: [GuestOperation] = [
            .probeDevice(DeviceConfig()), .kmalloc(size: 512, zone: .normal), .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 1, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
        ]
        let wrong = Scenario(platform: .tdx, operations: setUp + [.unmapByAddress(mapping: 0, delta: 0x800, skipCpuSync: false)])
        #expect(!Runner.run(wrong, profile: .linuxUpstream).violations.isEmpty)
        let past = Runner.runPastKnown(wrong, profile: .linuxUpstream, strict: true)
        #expect(past.new == nil)
        let inside = Scenario(platform: .tdx, operations: setUp + [
            .deviceWrite(mapping: 0, offset: 0, size: 512), .syncForCpuByAddress(mapping: 0, delta: 0x10, offset: 0, size: 16),
        ])
        #expect(Runner.run(inside, profile: .linuxUpstream).violations.isEmpty)
        var runner = Runner(platform: .tdx, profile: .linuxUpstream)
        var hits = KnownHits()
        for op in inside.operations { _ = runner.runPastKnown(op, strict: true, &hits) }
        #expect(!runner.driverBrokeContract)
        // The fuzz harness's path, which tests the kind the decoder read before the operation.
        let bytes = ScenarioCodec.encode(wrong)
        let fuzzed = bytes.withUnsafeBytes { raw in
            var decoder = ScenarioDecoder(raw, target: .dma)
            var hits = KnownHits()
            let booted = Guest(platform: .tdx, behaviours: Profile.linuxUpstream.behaviours)
            return Runner.firstNewViolation(&decoder, booted: booted, oracle: Oracle(booted: booted.system), strict: true, &hits)
        }
        #expect(fuzzed == nil)
        // And the harness read the operations written, not others that happen to pass.
        let decoded = bytes.withUnsafeBytes { raw in
            let decoder = ScenarioDecoder(raw, target: .dma)
            return (decoder.platform, Array(IteratorSequence(decoder)))
        }
        #expect(decoded.0 == .tdx)
        #expect(decoded.1 == wrong.operations)
    }

    /// The kinds the harness tests before asking an operation whether it breaks the contract are
    /// the by-address operations, found from the one list of them (`passedAddress`).
    @Test func theAddressKindsAreTheByAddressOperations() {
        let kinds = OperationKind.allCases.filter { OperationKind.addressKinds & 1 << UInt64($0.rawValue) != 0 }
        #expect(kinds == [.unmapByAddress, .syncForCpuByAddress, .syncForDeviceByAddress])
    }
}
