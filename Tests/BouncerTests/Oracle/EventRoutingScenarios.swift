@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import Testing

/// The states `EventRoutingTests` judges each kind of event in: a TDX guest with an untrusted
/// device, a step the oracle judged clean, then one step whose events are of the one kind, in a
/// state built (by hand, where no correct model gets there) to make checks fire.
extension EventRoutingTests {
    /// The states each kind is judged in. Kinds no check judges today (`mapped`, `hostWrote`,
    /// `syncedForDevice`) come in states that are wrong in ways the checks of other kinds look for.
    static func scenarios(_ kind: Kind) throws -> [Scenario] {
        switch kind {
        case .handedOut: try [handedOutIntoAnotherMappingsSlot(), handedOutPageTheCallerDoesNotHold()]
        case .poolServed: try [poolServedPrivateMemoryAsShared()]
        case .conversionExposed: try [conversionExposedUndisclosedBytes()]
        case .bounced: try [bouncedPastTheMappingOntoUndisclosedBytes()]
        case .driverCopied: try [driverCopiedPastItsObject()]
        case .sharedFieldFetched: try [sharedFieldFetchedTwiceWithTwoValues()]
        case .mapped: try [mappedIntoAnotherMappingsSlot()]
        case .syncedForCpu: try [readBack(kind)]
        case .syncedForDevice: try [syncedForDevicePastTheMapping()]
        case .unmapped: try [readBack(kind)]
        case .hostWrote: try [hostWroteAPrivatePage()]
        case .cpuWrote: try [cpuWroteUndisclosedBytesOnASharedPage()]
        case .cpuAccessed: try [cpuAccessedAPrivatePageThroughADecryptedAlias()]
        case .converted: try [convertedAPageHoldingUndisclosedBytes()]
        case .freed: try [freedAnAtomicPoolPageStillShared(), freedAFreePage()]
        case .pagesTaken: try [pagesTakenFromALiveBuffer()]
        case .leaked: try [leakedAFreePage()]
        case .bufferFreed, .coherentFreed, .scatterlistFailed: try [releasedWhileHolding(kind)]
        }
    }

    /// A TDX guest with an untrusted device after `prepare` ran as a step the oracle judged clean,
    /// and that oracle; the guest is in a fresh step.
    static func prepared(_ prepare: (inout DmaLayer) throws -> Void = { _ in }) throws -> Scenario {
        var s = system(.tdx)
        var oracle = Oracle(booted: s)
        s.beginStep()
        try prepare(&s)
        let found = oracle.check(s, step: 0)
        #expect(found.isEmpty, "the preparation is clean: \(found)")
        s.beginStep()
        return Scenario(system: s, oracle: oracle)
    }

    static func buffer(_ s: inout DmaLayer, _ size: UInt32) throws -> Int {
        let made = s.kmalloc(size: size)
        return try #require(made)
    }

    static func coherent(_ s: inout DmaLayer, pagesApi: Bool = false) throws -> Int {
        let made = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true, pagesApi: pagesApi)
        return try #require(made)
    }

    /// A new buffer of `size` bytes mapped on device 0 through a bounce slot.
    static func bounced(_ s: inout DmaLayer, _ direction: DmaDirection, size: UInt32 = 64) throws -> Int {
        let b = try buffer(&s, size)
        let made = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: size, direction: direction, attrs: [])
        let m = try #require(made)
        try #require(s.mappings[m].bouncePool != nil)
        return m
    }

    static func byteIndex(_ phys: UInt64) throws -> ByteIndex { try #require(GuestMemory.byteIndex(of: PhysAddr(phys))) }
    static func page(_ phys: UInt64) throws -> Range<PageNumber> {
        let page = try #require(GuestMemory.pfnDown(PhysAddr(phys)))
        return page ..< page.advanced(by: 1)
    }

    static let undisclosed = Provenance.guest(1, disclosed: false)

    static func handedOutIntoAnotherMappingsSlot() throws -> Scenario {
        var (m0, m1) = (0, 0)
        var step = try prepared { s in (m0, m1) = (try bounced(&s, .toDevice), try bounced(&s, .toDevice)) }
        step.system.mappings[m1].tlbAddress = step.system.mappings[m0].tlbAddress
        step.system.record(.handedOut(device: 0, dma: DmaAddr(step.system.mappings[m1].phys), size: 64, mapping: m1, coherent: nil))
        return step.named("a mapping handed out by its private address and in another's slot", fires: [.confidentiality, .slots])
    }

    static func handedOutPageTheCallerDoesNotHold() throws -> Scenario {
        var c = 0
        var step = try prepared { s in c = try coherent(&s, pagesApi: true) }
        step.system.coherent[c].callerGetsPage = false
        step.system.record(.handedOut(device: 0, dma: DmaAddr(step.system.coherent[c].dma), size: 4096, mapping: nil, coherent: c))
        return step.named("a dma_alloc_pages() page the caller does not hold", fires: [.integrity])
    }

    static func poolServedPrivateMemoryAsShared() throws -> Scenario {
        var b = 0
        var step = try prepared { s in b = try buffer(&s, 4096) }
        step.system.record(.poolServed(.swiotlb(0), phys: PhysAddr(step.system.buffers[b].phys), size: 4096, wantShared: true))
        return step.named("a private page served as shared", fires: [.confidentiality])
    }

    static func conversionExposedUndisclosedBytes() throws -> Scenario {
        var b = 0
        var step = try prepared { s in b = try buffer(&s, 4096) }
        step.system.record(.conversionExposed(byteIndex: try byteIndex(step.system.buffers[b].phys), tag: undisclosed))
        return step.named("a page shared in place with undisclosed bytes", fires: [.confidentiality])
    }

    static func bouncedPastTheMappingOntoUndisclosedBytes() throws -> Scenario {
        var m = 0
        var step = try prepared { s in m = try bounced(&s, .toDevice) }
        let slot = try byteIndex(step.system.mappings[m].tlbAddress)
        step.system.memory.contents.fill(slot.raw, slot.raw + 64, undisclosed)
        let (tlb, orig) = (PhysAddr(step.system.mappings[m].tlbAddress), PhysAddr(step.system.mappings[m].phys))
        step.system.record(.bounced(mapping: m, toDevice: true, tlb: tlb, orig: orig, size: 128))
        return step.named("a bounce past its mapping into a slot of undisclosed bytes", fires: [.hostInput, .privateBytesTouched])
    }

    static func driverCopiedPastItsObject() throws -> Scenario {
        var b = 0
        var step = try prepared { s in b = try buffer(&s, 4096) }
        let object = PhysAddr(step.system.buffers[b].phys)
        step.system.record(.driverCopied(phys: object + 2048, size: 4096, objectPhys: object, objectSize: 4096, what: .virtioUsed))
        return step.named("a driver copy past its object", fires: [.hostInput])
    }

    static func sharedFieldFetchedTwiceWithTwoValues() throws -> Scenario {
        var step = try prepared()
        step.system.record(.sharedFieldFetched(field: 0x40, value: 1, what: .virtioUsed))
        step.system.record(.sharedFieldFetched(field: 0x40, value: 2, what: .virtioUsed))
        return step.named("a double fetch", fires: [.hostInput])
    }

    static func mappedIntoAnotherMappingsSlot() throws -> Scenario {
        var (m0, m1) = (0, 0)
        var step = try prepared { s in (m0, m1) = (try bounced(&s, .toDevice), try bounced(&s, .toDevice)) }
        step.system.mappings[m1].tlbAddress = step.system.mappings[m0].tlbAddress
        let slot = try byteIndex(step.system.mappings[m0].tlbAddress)
        step.system.memory.contents.fill(slot.raw, slot.raw + 64, undisclosed)
        step.system.record(.mapped(m1))
        return step.named("a mapping in another's slot of undisclosed bytes", fires: [])
    }

    /// What the CPU reads back of a device-writable mapping is the host's, where the oracle expects
    /// the buffer's own bytes; an unmap that leaves the mapping's slot held also loses it.
    static func readBack(_ kind: Kind) throws -> Scenario {
        var m = 0
        var step = try prepared { s in m = try bounced(&s, .fromDevice) }
        step.system.readBacks.append(ProvenanceMap(size: 64, tag: .host(1)))
        if kind == .unmapped {
            step.system.record(.unmapped(mapping: m, readBack: 0))
            return step.named("an unmap reading back the host's bytes, its slot still held", fires: [.integrity, .release])
        }
        step.system.record(.syncedForCpu(mapping: m, offset: 0, size: 64, readBack: 0))
        return step.named("a sync for the CPU reading back the host's bytes", fires: [.integrity])
    }

    static func syncedForDevicePastTheMapping() throws -> Scenario {
        var m = 0
        var step = try prepared { s in m = try bounced(&s, .bidirectional) }
        step.system.record(.syncedForDevice(mapping: m, offset: 0, size: 4096))
        return step.named("a sync for the device past its mapping", fires: [])
    }

    static func hostWroteAPrivatePage() throws -> Scenario {
        var b = 0
        var step = try prepared { s in b = try buffer(&s, 4096) }
        let lo = try byteIndex(step.system.buffers[b].phys)
        step.system.memory.contents.fill(lo.raw, lo.raw + 64, .host(1))
        step.system.record(.hostWrote(lo: lo, hi: lo + 64, tag: .host(1)))
        return step.named("the host writing a private page", fires: [])
    }

    static func cpuWroteUndisclosedBytesOnASharedPage() throws -> Scenario {
        var c = 0
        var step = try prepared { s in c = try coherent(&s) }
        let lo = try byteIndex(step.system.coherent[c].phys)
        step.system.memory.contents.fill(lo.raw, lo.raw + 64, undisclosed)
        step.system.record(.cpuWrote(lo: lo, hi: lo + 64))
        return step.named("undisclosed bytes written on a shared page", fires: [.privateBytesTouched])
    }

    static func cpuAccessedAPrivatePageThroughADecryptedAlias() throws -> Scenario {
        var b = 0
        var step = try prepared { s in b = try buffer(&s, 4096) }
        let lo = try byteIndex(step.system.buffers[b].phys)
        step.system.record(.cpuAccessed(lo: lo, hi: lo + 64, alias: KernelAlias(.linearMap, decrypted: true)))
        return step.named("a private page written through a decrypted alias", fires: [.alias])
    }

    static func convertedAPageHoldingUndisclosedBytes() throws -> Scenario {
        var b = 0
        var step = try prepared { s in b = try buffer(&s, 4096) }
        let pages = try page(step.system.buffers[b].phys)
        let (lo, _) = GuestMemory.byteRange(of: pages)
        step.system.memory.contents.fill(lo.raw, lo.raw + 64, undisclosed)
        step.system.memory.states[pages.lowerBound.raw] = .decrypted
        step.system.record(.converted(pages: pages, to: .decrypted, failedAt: nil))
        return step.named("a page holding undisclosed bytes converted to shared", fires: [.privateBytesTouched])
    }

    static func freedAnAtomicPoolPageStillShared() throws -> Scenario {
        var step = try prepared()
        let pool = try #require(step.system.atomicPools.first { !$0.chunks.isEmpty })
        let first = pool.chunks[0].first
        try #require(step.system.memory.states[first] == .decrypted)
        step.system.memory.owners[first] = .free
        step.system.record(.freed(pages: Range(first ..< first + 1)))
        return step.named("a shared page an atomic pool still lists, freed", fires: [.poolPages, .freedPage])
    }

    static func freePage(_ s: DmaLayer) throws -> Range<PageNumber> {
        let page = try #require(s.memory.findFreePages(1, highest: .normal))
        return Range(page ..< page + 1)
    }

    static func freedAFreePage() throws -> Scenario {
        var step = try prepared()
        step.system.record(.freed(pages: try freePage(step.system)))
        return step.named("a double free", fires: [.pageConservation])
    }

    static func leakedAFreePage() throws -> Scenario {
        var step = try prepared()
        step.system.record(.leaked(pages: try freePage(step.system), .decryptFailed))
        return step.named("a free page leaked", fires: [.pageConservation])
    }

    static func pagesTakenFromALiveBuffer() throws -> Scenario {
        var b = 0
        var step = try prepared { s in b = try buffer(&s, 4096) }
        step.system.record(.pagesTaken(pages: try page(step.system.buffers[b].phys), by: .block(0)))
        return step.named("a live buffer's page taken", fires: [.pageConservation])
    }

    /// A buffer, coherent allocation or scatterlist said to go away while its pages or mappings stay.
    static func releasedWhileHolding(_ kind: Kind) throws -> Scenario {
        var (b, c, sg) = (0, 0, 0)
        var step = try prepared { s in
            b = try buffer(&s, 8192)
            c = try coherent(&s)
            let (e0, e1) = (try buffer(&s, 64), try buffer(&s, 64))
            let entries: [(phys: UInt64, size: UInt32)] = [(s.buffers[e0].phys, 64), (s.buffers[e1].phys, 64)]
            let made = s.dmaMapSg(device: 0, entries: entries, direction: .toDevice, attrs: [])
            sg = try #require(made)
        }
        step.system.record(kind == .bufferFreed ? .bufferFreed(b) : kind == .coherentFreed ? .coherentFreed(c) : .scatterlistFailed(sg))
        return step.named("\(kind) while its memory is still held", fires: [.release])
    }
}
