import BouncerModel
import BouncerPolicy
import Testing

/// `dma_direct_alloc`, `dma_direct_free`, the atomic pools and their failure rules.
@Suite struct DmaAllocTests {
    func pages(_ s: DmaLayer, _ c: Int) -> Range<Int> {
        let first = GuestMemory.page(ofPhys: s.coherent[c].phys)!
        return first ..< first + s.coherent[c].pages
    }

    @Test func aCoherentBufferForAnUntrustedDeviceIsDecryptedAndZeroed() {
        var s = system()
        let c = s.dmaAllocCoherent(device: 0, size: 8192, blocking: true)!
        #expect(s.coherent[c].shared && s.coherent[c].source == .pages)
        #expect(pages(s, c).allSatisfy { s.memory.states[$0] == .decrypted })
        let (lo, hi) = GuestMemory.byteRange(ofPages: pages(s, c))
        #expect(s.memory.contents.firstUndisclosedGuest(lo, hi) == nil)
        #expect(s.memory.contents.tag(at: lo) == .zero)
    }

    @Test func aTrustedDeviceGetsPrivatePages() {
        var s = system(device: trusted)
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false)!
        #expect(!s.coherent[c].shared && s.coherent[c].source == .pages)
        #expect(s.memory.states[pages(s, c).lowerBound] == .encrypted)
    }

    @Test func anAtomicAllocationComesFromADecryptedPool() {
        var s = system()
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false)!
        guard case .atomicPool(let pool) = s.coherent[c].source else {
            Issue.record("expected an atomic pool, got \(s.coherent[c].source)")
            return
        }
        #expect(s.atomicPools[pool].decrypted)
        #expect(s.memory.states[pages(s, c).lowerBound] == .decrypted)
    }

    @Test func aSharedRequestNeverGetsAPoolRecordedEncrypted() {
        // pseries turning secure at runtime (seed 003): the pools were made before, so they are
        // encrypted.
        var s = DmaLayer(platform: .pseriesSvm, behaviours: profile("pseries-late-secure-seed003").behaviours)
        s.probeDevice(untrusted)
        s.enterSecureMode()
        #expect(s.dmaAllocCoherent(device: 0, size: 4096, blocking: false) == nil)
        var oldBehaviours = profile("linux-swiotlb-force").behaviours
        oldBehaviours.pseriesSecureMode = .runtime
        var old = DmaLayer(platform: .pseriesSvm, behaviours: oldBehaviours)
        old.probeDevice(untrusted)
        old.enterSecureMode()
        let c = old.dmaAllocCoherent(device: 0, size: 4096, blocking: false)!
        #expect(old.memory.states[pages(old, c).lowerBound] == .encrypted)
    }

    @Test func aDecryptFailureLeaksThePages() {
        var s = system()
        s.armConversionFault(ConversionFault(afterPages: 1))
        let free = s.memory.owners.filter { $0 == .free }.count
        #expect(s.dmaAllocCoherent(device: 0, size: 3 * 4096, blocking: true) == nil)
        // The whole get_order() block of 4 pages, as dma_direct_alloc()'s out_leak_pages leaves it.
        #expect(s.memory.owners.filter { $0 == .leaked(.decryptFailed) }.count == 4)
        #expect(s.memory.owners.filter { $0 == .free }.count == free - 4)
    }

    @Test func beforeCve2024_35939TheFixFreedPagesAfterAFailedDecrypt() {
        var s = system(.tdx, profile("cve-2024-35939"))
        s.armConversionFault(ConversionFault(afterPages: 1))
        #expect(s.dmaAllocCoherent(device: 0, size: 3 * 4096, blocking: true) == nil)
        #expect(!s.memory.owners.contains(.leaked(.decryptFailed)))
        #expect(s.memory.owners.indices.contains { s.memory.owners[$0] == .free && s.memory.states[$0] != .encrypted })
    }

    @Test func aReencryptFailureOnFreeLeaksThePages() {
        var s = system()
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        let page = pages(s, c).lowerBound
        s.armConversionFault(ConversionFault(afterPages: 0))
        s.dmaFreeCoherent(c)
        #expect(s.memory.owners[page] == .leaked(.reencryptFailed))
        #expect(s.memory.states[page] == .unknown)
    }

    @Test func aFreedCoherentBufferIsReencryptedBeforeItIsFreed() {
        var s = system()
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        let page = pages(s, c).lowerBound
        s.dmaFreeCoherent(c)
        #expect(s.memory.owners[page] == .free && s.memory.states[page] == .encrypted)
    }

    @Test func anAtomicPoolExpansionThatFailsHalfwayLeaksTheChunk() {
        var s = system()
        while s.dmaAllocCoherent(device: 0, size: 4096, blocking: false) != nil {}
        let before = s.atomicPools.map(\.totalPages)
        s.armConversionFault(ConversionFault(afterPages: 3))
        s.runDeferredWork()
        #expect(s.memory.owners.filter { $0 == .leaked(.decryptFailed) }.count == AtomicPool.chunkPages)
        #expect(s.atomicPools.map(\.totalPages).reduce(0, +) > before.reduce(0, +))
    }

    @Test func aRestrictedPoolDeviceAllocatesCoherentMemoryFromItsPool() {
        var s = system(device: DeviceConfig(restrictedPool: true))
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        #expect(s.coherent[c].source == .restrictedPool(s.devices[0].restrictedPool!))
        s.dmaFreeCoherent(c)
        #expect(s.swiotlbPools[s.devices[0].restrictedPool!].used == 0)
    }

    @Test func aNonConfidentialGuestNeverConverts() {
        var s = system(.nonConfidential)
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)!
        #expect(!s.coherent[c].shared)
        #expect(s.memory.states.allSatisfy { $0 == .encrypted })
    }
}
