@testable import BouncerModel
import BouncerOracle
import Testing

/// The end-of-run scan for lost slots (`LifecycleChecks.accounting`) reads a live pool's slots four
/// at a time: a slot left to a mapping or coherent allocation that is gone is found wherever it
/// lies, at the start of a group of four, inside one, or in the pool's last slots.
@Suite struct LifecycleChecksTests {
    /// A system whose mapping `m` is unmapped (gone, holding no slot), so the test can give it any slot.
    static func deadMapping() throws -> (DmaLayer, Int) {
        var s = system()
        let buffer = s.kmalloc(size: 64)
        let b = try #require(buffer)
        let mapping = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 64, direction: .toDevice, attrs: [])
        let m = try #require(mapping)
        s.dmaUnmapPhys(m)
        #expect(!s.mappings[m].live && !s.swiotlbPools.contains { $0.slots.contains { $0.mapping == Int32(m) } })
        #expect(Oracle().checkAccounting(s, step: 0).isEmpty)
        return (s, m)
    }

    @Test func aLostSlotIsFoundWhereverItLies() throws {
        let (dead, m) = try Self.deadMapping()
        let count = dead.swiotlbPools[0].slots.count
        for slot in [0, 1, 2, 3, 4, 5, 6, 7, 8, count / 2 + 1, count - 5, count - 4, count - 3, count - 2, count - 1] {
            var s = dead
            s.swiotlbPools[0].slots[slot].mapping = Int32(m)
            let v = try #require(Oracle().checkAccounting(s, step: 0).first, "slot \(slot)")
            #expect(v.invariant == .safeLifecycle && v.location.hasSuffix("slot \(slot)"), "\(v)")
        }
    }

    /// A pool whose slot count is not a multiple of four ends in one to three slots read one by
    /// one: a lost slot among them is found. (The booted pools' counts are multiples of four, so
    /// the last slots are dropped by hand.)
    @Test(arguments: 1 ... 3)
    func aLostSlotInAPoolsLastFewerThanFourSlotsIsFound(_ dropped: Int) throws {
        let (dead, m) = try Self.deadMapping()
        #expect(dead.swiotlbPools[0].slots.count % 4 == 0)
        for tail in 1 ... 4 - dropped {
            var s = dead
            s.swiotlbPools[0].slots.removeLast(dropped)
            let count = s.swiotlbPools[0].slots.count
            #expect(Oracle().checkAccounting(s, step: 0).isEmpty)
            let slot = count - tail
            s.swiotlbPools[0].slots[slot].mapping = Int32(m)
            let v = try #require(Oracle().checkAccounting(s, step: 0).first, "slot \(slot) of \(count)")
            #expect(v.invariant == .safeLifecycle && v.location.hasSuffix("slot \(slot)"), "\(v)")
        }
    }

    /// The first lost slot is reported, whichever group of four the others lie in; slots held by
    /// live holders beside it are passed over.
    @Test func theFirstLostSlotIsReportedPastLiveHolders() throws {
        let (dead, m) = try Self.deadMapping()
        var s = dead
        let buffer = s.kmalloc(size: 64)
        let b = try #require(buffer)
        let mapping = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 64, direction: .toDevice, attrs: [])
        let live = try #require(mapping)
        let count = s.swiotlbPools[0].slots.count
        for slot in [count - 1, count - 6, 9, 6] { s.swiotlbPools[0].slots[slot].mapping = Int32(m) }
        s.swiotlbPools[0].slots[5].mapping = Int32(live)
        let v = try #require(Oracle().checkAccounting(s, step: 0).first)
        #expect(v.location.hasSuffix("slot 6"), "\(v)")
    }

    /// A coherent allocation that is gone, holding a slot of a live pool.
    @Test func aSlotLeftToACoherentAllocationThatIsGoneIsLost() throws {
        var s = try Self.deadMapping().0
        let allocation = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)
        let c = try #require(allocation)
        s.dmaFreeCoherent(c)
        #expect(!s.coherent[c].live && Oracle().checkAccounting(s, step: 0).isEmpty)
        let last = s.swiotlbPools[0].slots.count - 1
        s.swiotlbPools[0].slots[last].coherent = Int32(c)
        let v = try #require(Oracle().checkAccounting(s, step: 0).first)
        #expect(v.location.hasSuffix("slot \(last)"), "\(v)")
    }
}
