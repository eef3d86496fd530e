@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import Testing

/// Slots never shared, at run time (`SlotChecks`): a holder of swiotlb or atomic-pool memory is
/// handed only what it alone holds. No correct model shares one, so the bookkeeping is broken by
/// hand; without the check no other check notices (the sharing holders' pages are where they
/// should be, in the state they should have).
@Suite struct SlotCheckTests {
    /// Two bounced mappings; the second is handed the first one's slot.
    @Test func aMappingHandedAnotherMappingsSlotIsReported() throws {
        var s = system()
        var oracle = Oracle(booted: s)
        s.beginStep()
        let a = s.kmalloc(size: 64), b = s.kmalloc(size: 64)
        let (ba, bb) = (try #require(a), try #require(b))
        let first = s.dmaMapPhys(device: 0, phys: s.buffers[ba].phys, size: 64, direction: .toDevice, attrs: [])
        let second = s.dmaMapPhys(device: 0, phys: s.buffers[bb].phys, size: 64, direction: .toDevice, attrs: [])
        let (m0, m1) = (try #require(first), try #require(second))
        #expect(oracle.check(s, step: 0).isEmpty)
        s.beginStep()
        s.mappings[m1].tlbAddress = s.mappings[m0].tlbAddress
        s.record(.handedOut(device: 0, dma: DmaAddr(s.mappings[m1].dma), size: 64, mapping: m1, coherent: nil))
        let v = try #require(oracle.check(s, step: 1).first)
        #expect(v.invariant == .confStale && v.site == .slotShared, "\(v)")
        #expect(v.detail.contains("mapping \(m1) is handed") && v.detail.contains("held by mapping \(m0)"), "\(v)")
    }

    /// An atomic pool that hands out a run of pages a live allocation still holds (its bitmap lost
    /// the first allocation).
    @Test func anAtomicPoolRunHandedOutTwiceIsReported() throws {
        var s = system()
        var oracle = Oracle(booted: s)
        s.beginStep()
        let first = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false)
        let c0 = try #require(first)
        guard case .atomicPool(let pool) = s.coherent[c0].source else {
            Issue.record("a non-blocking shared allocation on TDX comes from an atomic pool")
            return
        }
        #expect(oracle.check(s, step: 0).isEmpty)
        s.beginStep()
        for c in s.atomicPools[pool].chunks.indices { s.atomicPools[pool].chunks[c].used = 0 }
        let second = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false)
        let c1 = try #require(second)
        #expect(s.coherent[c1].phys == s.coherent[c0].phys)
        let v = try #require(oracle.check(s, step: 1).first)
        #expect(v.invariant == .confStale && v.site == .slotShared, "\(v)")
        #expect(v.detail.contains("which coherent allocation \(c0) from atomic pool \(pool) still holds"), "\(v)")
    }

    @Test func atomicPoolAllocationsOfTheirOwnAreClean() throws {
        var s = system()
        var oracle = Oracle(booted: s)
        s.beginStep()
        for _ in 0 ..< 4 { #expect(s.dmaAllocCoherent(device: 0, size: 8192, blocking: false) != nil) }
        #expect(oracle.check(s, step: 0).isEmpty)
    }
}
