import BouncerModel
import BouncerPolicy
@testable import BouncerMinimizer
import BouncerRunner
import Testing

@Suite struct OperationDescriptionTests {
    /// Random byte strings with a version byte in `versions`, as `target` reads them: every kind,
    /// every field value the format says.
    static func randomScenarios(
        _ target: FuzzTarget, versions: ClosedRange<UInt8> = 1 ... 2, count: Int = 300, seed: UInt64 = 7
    ) -> [Scenario] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< count).map { _ in
            var bytes = (0 ..< Int.random(in: 2 ... 300, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            bytes[0] = UInt8.random(in: versions, using: &rng)
            return ScenarioCodec.decode(bytes, target: target)
        }
    }

    /// FNV-1a over the operations' Swift source: a digest of what bytes mean, independent of
    /// the model's outcomes.
    static func digest(_ scenarios: [Scenario]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for s in scenarios {
            for byte in "\(s.platform)\n".utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
            for op in s.operations {
                for byte in (op.swiftSource + "\n").utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
            }
        }
        return h
    }

    @Test func eachKindIsDescribedAtItsOpcodeUnderItsOwnName() {
        #expect(OperationDescription.all.count == OperationKind.allCases.count)
        for (i, d) in OperationDescription.all.enumerated() {
            #expect(Int(d.kind.rawValue) == i)
            #expect(d.name == "\(d.kind)")
            #expect(d.fields.count <= Fields.capacity)
        }
    }

    /// Every fuzz step copies and unpacks an operation at its full size (the largest payload's),
    /// so a wide payload slows every operation: a rare one is boxed (`indirect`) instead.
    @Test func anOperationStaysWithinThirtyTwoBytes() {
        #expect(MemoryLayout<GuestOperation>.size <= 32)
    }

    /// The kind's transport bit, which the runner reads per step, is its description's.
    @Test func eachKindKnowsWhetherATransportMakesIt() {
        for d in OperationDescription.all { #expect(d.kind.isTransport == d.isTransport, "\(d.name)") }
        #expect(OperationDescription.all.contains { $0.isTransport } && OperationDescription.all.contains { !$0.isTransport })
    }

    @Test func fieldValuesMakeTheOperationTheyWereReadFrom() {
        var seen = Set<OperationKind>()
        for scenario in Self.randomScenarios(.system, versions: ScenarioCodec.currentVersion ... ScenarioCodec.currentVersion) {
            for op in scenario.operations {
                let d = op.described
                seen.insert(d.kind)
                #expect(d.make(d.read(op)!) == op, "\(d.name)")
                #expect(OperationDescription.all.filter { $0.read(op) != nil }.count == 1, "\(op)")
            }
        }
        #expect(seen == Set(OperationKind.allCases))
    }

    /// The byte format's meaning, pinned. The version 1 and 2 digests are the hand-written
    /// codec's and Swift writer's (computed at cabda74 with this digest), and the described ones
    /// give the same; version 3's were recorded when it was added. A change here means files
    /// written earlier would read differently: add a version instead.
    @Test(arguments: [
        (FuzzTarget.dma, UInt64(14_235_305_085_230_191_819)), (.vmbus, 16_587_091_099_855_234_828),
        (.virtio, 3_722_243_368_200_385_166), (.passthrough, 7_937_633_611_073_372_354), (.system, 15_996_397_940_101_245_868),
    ])
    func versionOneAndTwoBytesMeanWhatTheyMeantWhenTheyWereWritten(_ target: FuzzTarget, _ expected: UInt64) {
        #expect(Self.digest(Self.randomScenarios(target)) == expected, "\(target)")
    }

    @Test(arguments: [
        // vmbus, virtio and passthrough gained nothing in version 3: their digests are version 2's.
        (FuzzTarget.dma, UInt64(6_284_910_492_602_246_693)), (.vmbus, 16_587_091_099_855_234_828),
        (.virtio, 3_722_243_368_200_385_166), (.passthrough, 7_937_633_611_073_372_354), (.system, 5_054_117_697_339_388_577),
    ])
    func versionThreeBytesMeanWhatTheyMeantWhenTheyWereWritten(_ target: FuzzTarget, _ expected: UInt64) {
        #expect(Self.digest(Self.randomScenarios(target, versions: 3 ... 3)) == expected, "\(target)")
    }

    @Test(arguments: [
        // Version 4 added virtioHostDescriptor to virtio and system only: dma, vmbus and
        // passthrough keep version 3's digests; virtio's and system's were recorded when it was added.
        (FuzzTarget.dma, UInt64(6_284_910_492_602_246_693)), (.vmbus, 16_587_091_099_855_234_828),
        (.virtio, 3_984_741_840_728_548_830), (.passthrough, 7_937_633_611_073_372_354), (.system, 519_123_518_562_226_813),
    ])
    func versionFourBytesMeanWhatTheyMeantWhenTheyWereWritten(_ target: FuzzTarget, _ expected: UInt64) {
        #expect(Self.digest(Self.randomScenarios(target, versions: 4 ... 4)) == expected, "\(target)")
    }

    @Test(arguments: [
        // Version 5 added unmap and sync by address to dma and system only: vmbus, virtio and
        // passthrough keep version 4's digests; dma's and system's were recorded when it was added.
        (FuzzTarget.dma, UInt64(1_253_421_795_549_244_760)), (.vmbus, 16_587_091_099_855_234_828),
        (.virtio, 3_984_741_840_728_548_830), (.passthrough, 7_937_633_611_073_372_354), (.system, 11_515_644_474_601_874_449),
    ])
    func versionFiveBytesMeanWhatTheyMeantWhenTheyWereWritten(_ target: FuzzTarget, _ expected: UInt64) {
        #expect(Self.digest(Self.randomScenarios(target, versions: 5 ... 5)) == expected, "\(target)")
    }

    @Test(arguments: [
        // Version 6 added archSetupDmaOps and dmaAllocPages to dma and system only: vmbus, virtio and passthrough
        // keep version 5's digests; dma's and system's were recorded when it was added.
        (FuzzTarget.dma, UInt64(7_181_810_850_903_811_460)), (.vmbus, 16_587_091_099_855_234_828),
        (.virtio, 3_984_741_840_728_548_830), (.passthrough, 7_937_633_611_073_372_354), (.system, 1_013_541_675_017_356_542),
    ])
    func versionSixBytesMeanWhatTheyMeantWhenTheyWereWritten(_ target: FuzzTarget, _ expected: UInt64) {
        #expect(Self.digest(Self.randomScenarios(target, versions: 6 ... 6)) == expected, "\(target)")
    }

    @Test(arguments: [
        // Version 7 added dmaSetSegBoundary to dma and system only: vmbus, virtio and passthrough
        // keep version 6's digests; dma's and system's were recorded when it was added.
        (FuzzTarget.dma, UInt64(10_120_333_736_389_258_824)), (.vmbus, 16_587_091_099_855_234_828),
        (.virtio, 3_984_741_840_728_548_830), (.passthrough, 7_937_633_611_073_372_354), (.system, 17_185_256_951_682_226_608),
    ])
    func versionSevenBytesMeanWhatTheyMeantWhenTheyWereWritten(_ target: FuzzTarget, _ expected: UInt64) {
        #expect(Self.digest(Self.randomScenarios(target, versions: 7 ... 7)) == expected, "\(target)")
    }

    /// `digest` with each scenario's boot configuration, which version 8's header adds.
    static func bootDigest(_ scenarios: [Scenario]) -> UInt64 {
        var h = digest(scenarios)
        for s in scenarios { h = (h ^ UInt64(s.boot.index)) &* 0x100_0000_01B3 }
        return h
    }

    @Test(arguments: [
        // Version 8 added the boot byte to every target and migrateToCpu to dma and system; every
        // digest was recorded when it was added.
        (FuzzTarget.dma, UInt64(9_260_838_793_827_737_130)), (.vmbus, 5_305_511_774_890_144_595),
        (.virtio, 2_181_948_455_454_148_969), (.passthrough, 7_327_148_520_486_617_487), (.system, 154_524_958_535_312_119),
    ])
    func versionEightBytesMeanWhatTheyMeantWhenTheyWereWritten(_ target: FuzzTarget, _ expected: UInt64) {
        #expect(Self.bootDigest(Self.randomScenarios(target, versions: 8 ... 8)) == expected, "\(target)")
    }

    /// A boot other than the standard one, or a move to another CPU, takes version 8, whose header
    /// has a third byte (the boot's place in `SwiotlbBoot.all`); everything else is written as
    /// before, so older files keep their bytes, and a version-7 header has no boot byte.
    @Test func aBootOrACpuMoveTakesVersionEight() {
        let ops: [GuestOperation] = [.probeDevice(DeviceConfig()), .dmaSetSegBoundary(device: 0, mask: 0xFFFF)]
        let old = Scenario(platform: .tdx, operations: ops)
        let booted = Scenario(platform: .tdx, boot: SwiotlbBoot.all[3], operations: ops)
        let moved = Scenario(platform: .tdx, operations: ops + [.migrateToCpu(cpu: 1)])
        #expect(ScenarioCodec.encode(old).first == 7)
        #expect(Array(ScenarioCodec.encode(booted).prefix(3)) == [8, ScenarioCodec.encode(old)[1], 3])
        #expect(Array(ScenarioCodec.encode(booted).dropFirst(3)) == Array(ScenarioCodec.encode(old).dropFirst(2)))
        #expect(Array(ScenarioCodec.encode(moved).prefix(3)) == [8, ScenarioCodec.encode(old)[1], 0])
        // Opcode 46 is index 29 of dma's version-8 table.
        #expect(ScenarioCodec.encode(moved).suffix(2) == [29, 1])
        #expect(OperationKind.migrateToCpu.rawValue == 46)
        for s in [booted, moved] {
            #expect(ScenarioCodec.roundTrips(s) && ScenarioCodec.roundTrips(s, target: .system))
        }
        // The transport targets carry the boot but leave the move out.
        let vmbus = ScenarioCodec.decode(ScenarioCodec.encode(booted, target: .vmbus), target: .vmbus)
        #expect(vmbus.boot == booted.boot)
        #expect(ScenarioCodec.decode(ScenarioCodec.encode(moved, target: .vmbus), target: .vmbus).operations.isEmpty)
        // Version 7 read its third byte as an opcode, and still does; any byte names a boot in 8.
        #expect(ScenarioCodec.decode([7, 0, 3]).boot == .standard)
        #expect(ScenarioCodec.decode([7, 0, 3]).operations.count == 1)
        #expect(ScenarioCodec.decode([8, 0, 13]).boot == SwiotlbBoot.all[3])
        #expect(moved.operations[2].description == "the driver's task moves to CPU 1")
        #expect(moved.operations[2].swiftSource == ".migrateToCpu(cpu: 1)")
    }

    /// A segment boundary takes version 7 on dma and system, one byte naming 2^k - 1 or
    /// `ULONG_MAX`; the transport targets leave the operation out rather than misread it.
    @Test func aSegmentBoundaryTakesVersionSeven() {
        let old = Scenario(platform: .tdx, operations: [.probeDevice(DeviceConfig()), .archSetupDmaOps(device: 0, coherent: false)])
        let new = Scenario(platform: .tdx, operations: old.operations + [
            .dmaSetSegBoundary(device: 0, mask: 0xFFFF), .dmaSetSegBoundary(device: 0, mask: .max),
            .dmaSetSegBoundary(device: 0, mask: 0xFFFF_FFFF),
        ])
        #expect(ScenarioCodec.encode(old).first == 6)
        #expect(ScenarioCodec.encode(new).first == 7)
        #expect(ScenarioCodec.encode(new, target: .system).first == 7)
        #expect(ScenarioCodec.roundTrips(new) && ScenarioCodec.roundTrips(new, target: .system))
        #expect(ScenarioCodec.narrowestTarget(for: new) == .dma)
        #expect(ScenarioCodec.decode(ScenarioCodec.encode(new, target: .vmbus), target: .vmbus).operations.isEmpty)
        // Opcode 45 is index 28 of dma's version-7 table; the mask byte is the exponent's index.
        #expect(ScenarioCodec.encode(new).suffix(9) == [28, 0, 6, 28, 0, 0, 28, 0, 22])
        #expect(OperationKind.dmaSetSegBoundary.rawValue == 45)
        #expect(OperationDescription.segmentBoundaryMasks.count == 23)
        #expect(new.operations[2].description == "dma_set_seg_boundary(dev 0, 0xffff)")
        #expect(new.operations[3].description == "dma_set_seg_boundary(dev 0, ULONG_MAX)")
        #expect(new.operations[2].swiftSource == ".dmaSetSegBoundary(device: 0, mask: 0xffff)")
        // A mask the table does not list is clamped to ULONG_MAX, and the encoder says so.
        #expect(!ScenarioCodec.roundTrips(Scenario(platform: .tdx, operations: [.dmaSetSegBoundary(device: 0, mask: 0x5FFF)])))
    }

    /// A device that is not DMA-coherent takes version 6 on dma and system; the transport targets
    /// leave the operation out rather than misread it.
    @Test func aNonCoherentDeviceTakesVersionSix() {
        let old = Scenario(platform: .cca, operations: [.probeDevice(DeviceConfig()), .allocCoherent(device: 0, size: 4096, blocking: true)])
        let new = Scenario(platform: .cca, operations: [
            .probeDevice(DeviceConfig()), .archSetupDmaOps(device: 0, coherent: false), .allocCoherent(device: 0, size: 4096, blocking: true),
        ])
        #expect(ScenarioCodec.encode(old).first == 1)
        #expect(ScenarioCodec.encode(new).first == 6)
        #expect(ScenarioCodec.encode(new, target: .system).first == 6)
        #expect(ScenarioCodec.roundTrips(new) && ScenarioCodec.roundTrips(new, target: .system))
        #expect(ScenarioCodec.narrowestTarget(for: new) == .dma)
        #expect(new.operations[1].description == "arch_setup_dma_ops(dev 0, not DMA-coherent)")
        #expect(new.operations[1].swiftSource == ".archSetupDmaOps(device: 0, coherent: false)")
        #expect(OperationKind.archSetupDmaOps.rawValue == 43)
        let pages = Scenario(platform: .cca, operations: [
            .probeDevice(DeviceConfig()), .dmaAllocPages(device: 0, size: 4096, blocking: false), .freeCoherent(coherent: 0),
        ])
        #expect(ScenarioCodec.encode(pages).first == 6 && ScenarioCodec.roundTrips(pages))
        #expect(pages.operations[1].description == "dma_alloc_pages(dev 0, 4096, GFP_ATOMIC)")
        #expect(OperationKind.dmaAllocPages.rawValue == 44)
    }

    /// An unmap or sync by address takes version 5 on dma and system; the transport targets
    /// leave it out rather than misread it.
    @Test func anUnmapByAddressTakesVersionFive() {
        let old = Scenario(platform: .tdx, operations: [.kmalloc(size: 64, zone: .normal), .unmap(mapping: 0, skipCpuSync: false)])
        let new = Scenario(platform: .tdx, operations: old.operations + [
            .unmapByAddress(mapping: 0, delta: 0 &- 0x800, skipCpuSync: true),
            .syncForCpuByAddress(mapping: 1, delta: 0x10, offset: 3, size: 4),
            .syncForDeviceByAddress(mapping: 2, delta: 0x1000, offset: 5, size: 6),
        ])
        #expect(ScenarioCodec.encode(old).first == 1)
        #expect(ScenarioCodec.encode(new).first == 5)
        #expect(ScenarioCodec.encode(new, target: .system).first == 5)
        #expect(ScenarioCodec.roundTrips(new) && ScenarioCodec.roundTrips(new, target: .system))
        #expect(ScenarioCodec.narrowestTarget(for: new) == .dma)
        #expect(ScenarioCodec.decode(ScenarioCodec.encode(new, target: .passthrough), target: .passthrough).operations.count == 1)
        #expect(new.operations[2].description == "dma_unmap_phys(mapping 0's dma - 0x800, DMA_ATTR_SKIP_CPU_SYNC)")
        #expect(new.operations[2].swiftSource == ".unmapByAddress(mapping: 0, delta: 0xfffffffffffff800, skipCpuSync: true)")
    }

    /// A version-4 operation takes version 4, for the targets whose table has it; earlier
    /// scenarios keep the version they had.
    @Test func aDescriptorRewriteTakesVersionFour() {
        let old = Scenario(platform: .tdx, operations: [.virtioProbe(transport: .pci, features: [.version1, .accessPlatform])])
        let new = Scenario(platform: .tdx, operations: old.operations + [
            .virtioHostDescriptor(virtio: 0, id: 1, mapping: 2, offset: 3, length: 4, deviceWrites: true),
        ])
        #expect(ScenarioCodec.encode(old, target: .virtio).first == 2)
        #expect(ScenarioCodec.encode(new, target: .virtio).first == 4)
        #expect(ScenarioCodec.roundTrips(new, target: .virtio) && ScenarioCodec.roundTrips(new, target: .system))
        #expect(ScenarioCodec.narrowestTarget(for: new) == .virtio)
    }

    /// The encoder writes the lowest version that says the scenario, so adding a version left
    /// every earlier file's bytes alone; a version-3 operation takes version 3.
    @Test func theEncoderWritesTheLowestVersionThatSaysTheScenario() {
        let old = Scenario(platform: .tdx, operations: [.kmalloc(size: 64, zone: .normal), .unmapSg(scatterlist: 0)])
        let new = Scenario(platform: .tdx, operations: old.operations + [.syncSgForCpu(scatterlist: 0)])
        #expect(ScenarioCodec.encode(old).first == 1)
        #expect(ScenarioCodec.encode(old, target: .system).first == 2)
        #expect(ScenarioCodec.encode(new).first == 3)
        #expect(ScenarioCodec.roundTrips(new) && ScenarioCodec.roundTrips(new, target: .system))
        // Targets without scatterlists leave the operation out rather than misread it.
        #expect(ScenarioCodec.decode(ScenarioCodec.encode(new, target: .vmbus), target: .vmbus).operations.count == 1)
    }

    @Test func hostMovesAreTheHostsOwnOperations() {
        let host = OperationDescription.all.filter(\.hostMove).map(\.name)
        #expect(host == [
            "hostWrite", "deviceWrite", "failNextConversion", "vmbusHostCompletion", "netvscHostReceive", "vmbusRescind",
            "hostFailNextGpadl", "virtioHostUsed", "nvmeHostComplete", "virtioHostDescriptor",
        ])
    }

    @Test func swiftSourceSpellsTheModelsOwnAPI() {
        #expect(GuestOperation.probeDevice(DeviceConfig(dmaMaskBits: 32, forceBounce: true, minAlignMask: 0xFFF)).swiftSource
            == ".probeDevice(DeviceConfig(dmaMaskBits: 32, forceBounce: true, minAlignMask: 0xfff))")
        #expect(GuestOperation.mapSg(device: 1, buffers: [2, 3], direction: .fromDevice).swiftSource
            == ".mapSg(device: 1, buffers: [2, 3], direction: .fromDevice)")
        #expect(GuestOperation.runDeferredWork.swiftSource == ".runDeferredWork")
    }

    /// Swift takes labelled arguments in declaration order: the Swift test writer must give them
    /// in the order the enum case declares them, whatever order the bytes hold them in.
    @Test func swiftArgumentsFollowTheCaseDeclaration() {
        var checked = Set<OperationKind>()
        for scenario in Self.randomScenarios(.system, versions: ScenarioCodec.currentVersion ... ScenarioCodec.currentVersion) {
            for op in scenario.operations where checked.insert(op.kind).inserted {
                guard let payload = Mirror(reflecting: op).children.first?.value else { continue }
                let declared = Mirror(reflecting: payload).children.map(\.label)
                guard Mirror(reflecting: payload).displayStyle == .tuple else { continue }
                let written = op.swiftArguments.map { $0.label ?? "positional" }
                #expect(written == declared.map { $0.map { $0.hasPrefix(".") ? "positional" : $0 } ?? "positional" }, "\(op.kind)")
            }
        }
        #expect(checked == Set(OperationKind.allCases))
    }

    @Test func dropingAListEntryDropsItsReference() {
        let op = GuestOperation.mapSg(device: 0, buffers: [4, 5, 6], direction: .toDevice)
        let drops = Simplify.candidates(op).filter { $0.droppedReference != nil }
        #expect(drops.map(\.operation) == [
            .mapSg(device: 0, buffers: [5, 6], direction: .toDevice), .mapSg(device: 0, buffers: [4, 6], direction: .toDevice),
            .mapSg(device: 0, buffers: [4, 5], direction: .toDevice),
        ])
        #expect(drops.map(\.droppedReference) == [1, 2, 3])
        #expect(op.references.map(\.1) == [0, 4, 5, 6])
        #expect(op.naming([7, 8, 9, 10]) == .mapSg(device: 7, buffers: [8, 9, 10], direction: .toDevice))
    }
}
