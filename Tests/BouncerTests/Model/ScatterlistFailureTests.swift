import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// `dma_map_sg()` that fails after mapping its first entries (v6.12 `dma_direct_map_sg()`): the
/// driver gets an error and no address, so the device is handed nothing, while the memory
/// effects of the entries mapped before the failure (slots taken and given back, bytes bounced)
/// happen as the calls made them.
@Suite struct ScatterlistFailureTests {
    /// Three 100000-byte entries need 3 × 49 slots of the default pool's 128: the third fails.
    static let sizes: [UInt32] = [100_000, 100_000, 100_000]

    /// A trusted device on TDX under linux-6.12 is bounced through the shared default pool (6.12
    /// has no `device_cc_accepted()`), so every entry it is handed breaks CONF-TRUSTED.
    static func failedList(_ behaviours: Behaviours = profile("linux-6.12").behaviours) -> (DmaLayer, Oracle, Int?) {
        var s = DmaLayer(platform: .tdx, behaviours: behaviours)
        s.probeDevice(trusted)
        let buffers = sizes.map { s.kmalloc(size: $0)! }
        var oracle = Oracle(booted: s)
        s.beginStep()
        let entries = buffers.map { (phys: s.buffers[$0].phys, size: s.buffers[$0].size) }
        let sg = s.dmaMapSg(device: 0, entries: entries, direction: .toDevice, attrs: [])
        _ = oracle.check(s, step: 0)
        return (s, oracle, sg)
    }

    static func handOuts(_ s: DmaLayer) -> [Int] {
        s.events.compactMap { if case .handedOut(_, _, _, let m?, _) = $0 { m } else { nil } }
    }

    @Test func aFailedMapSgHandsNothingToTheDeviceAndTheOracleJudgesNoEntry() {
        var (s, _, sg) = Self.failedList()
        #expect(sg == nil)
        // The first two entries were mapped (each through a slot), then unmapped by the unwind.
        #expect(s.mappings.count == 3)
        #expect(s.mappings[0].dma != dmaMappingError && s.mappings[1].dma != dmaMappingError)
        #expect(s.mappings[0].bouncePool == 0 && s.mappings[1].bouncePool == 0)
        #expect(s.mappings[2].dma == dmaMappingError)
        #expect(s.mappings.allSatisfy { !$0.live && !$0.givenToDevice })
        #expect(Self.handOuts(s).isEmpty)
        #expect(s.swiotlbPools[0].used == 0)
        // The oracle, fresh, over the same step: nothing was handed out, so nothing to judge.
        var oracle = Oracle()
        #expect(oracle.check(s, step: 0).isEmpty)
        // A device write through the first entry's address reaches no memory.
        let slot = GuestMemory.byteIndex(ofPhys: s.mappings[0].tlbAddress)!
        let before = s.memory.contents.extract(slot, slot + 4096).runs
        s.beginStep()
        #expect(s.deviceWrite(0, offset: 0, size: 4096) == 0)
        #expect(s.events.isEmpty)
        #expect(s.memory.contents.extract(slot, slot + 4096).runs == before)
    }

    @Test func theRunnerReportsTheFailedListCleanAndSaysWhyTheDeviceWriteDidNothing() {
        let ops: [GuestOperation] = [.probeDevice(trusted)]
            + Self.sizes.map { GuestOperation.kmalloc(size: $0, zone: .normal) }
            + [.mapSg(device: 0, buffers: [0, 1, 2], direction: .toDevice), .deviceWrite(mapping: 0, offset: 0, size: 64)]
        let result = run(ops, on: .tdx, profile("linux-6.12"))
        #expect(result.violations.isEmpty, "\(result.violations)\n\(result.trace.joined(separator: "\n"))")
        #expect(result.steps == ops.count)
        #expect(result.trace[4].hasSuffix("-> failed"))
        #expect(result.trace[5].hasSuffix("-- skipped (no address was handed out: dma_map_sg of scatterlist 0 failed)"), "\(result.trace[5])")
    }

    /// A list that maps whole hands every entry out, after the last one is mapped: the oracle
    /// judges them all (here each breaks CONF-TRUSTED, 6.12's known lack of `device_cc_accepted()`).
    @Test func aListThatMapsWholeHandsOutEveryEntryOnceAllAreMapped() {
        var s = DmaLayer(platform: .tdx, behaviours: profile("linux-6.12").behaviours)
        s.probeDevice(trusted)
        let buffers = [4096, 8192].map { s.kmalloc(size: $0)! }
        var oracle = Oracle(booted: s)
        s.beginStep()
        let sg = s.dmaMapSg(device: 0, entries: buffers.map { (phys: s.buffers[$0].phys, size: s.buffers[$0].size) }, direction: .toDevice, attrs: [])
        #expect(sg == 0)
        #expect(Self.handOuts(s) == [0, 1])
        let lastMapped = s.events.lastIndex { if case .mapped = $0 { true } else { false } }!
        let firstHandOut = s.events.firstIndex { if case .handedOut = $0 { true } else { false } }!
        #expect(lastMapped < firstHandOut)
        #expect(s.mappings.allSatisfy { $0.givenToDevice })
        #expect(oracle.check(s, step: 0).map(\.invariant) == [.confTrusted, .confTrusted])
        s.beginStep()
        #expect(s.deviceWrite(0, offset: 0, size: 64) == 64)
    }

    /// A kernel that abandons the mapped entries on failure (`map-sg-failure = abandon-mapped`):
    /// their slots stay taken (SAFE-LIFECYCLE at the failure), but the driver still got no address.
    @Test func abandonedEntriesStayMappedButAreNeverHandedOut() {
        var b = profile("linux-6.12").behaviours
        b.mapSgFailure = .abandonMapped
        var (s, _, sg) = Self.failedList(b)
        #expect(sg == nil)
        #expect(s.mappings[0].live && s.mappings[1].live && !s.mappings[2].live)
        #expect(s.swiotlbPools[0].used > 0)
        #expect(Self.handOuts(s).isEmpty)
        var oracle = Oracle()
        #expect(oracle.check(s, step: 0).map(\.invariant) == [.safeLifecycle])
        s.beginStep()
        #expect(s.deviceWrite(1, offset: 0, size: 64) == 0)
    }
}
