import BouncerOracle
import BouncerPolicy
@testable import BouncerModel
import Testing

/// The end-of-run accounting (`Oracle.checkAccounting`, what `Runner.finish` runs after the last
/// step) finds what a step's own checks would have missed. No correct profile leaves anything
/// behind, so the state is broken by hand here.
@Suite struct AccountingTests {
    @Test func aCleanSystemAccountsForEverything() {
        var s = system()
        let b = s.kmalloc(size: 64)!
        _ = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 64, direction: .toDevice, attrs: [])
        #expect(Oracle().checkAccounting(s, step: 0).isEmpty)
    }

    @Test func pagesOfABufferThatIsGoneAreLost() {
        var s = system()
        let b = s.kmalloc(size: 8192)!
        s.buffers[b].live = false
        let v = Oracle().checkAccounting(s, step: 3).first
        #expect(v?.invariant == .safeLifecycle && v?.step == 3)
        #expect(v?.detail.contains("buffer \(b)") == true)
    }

    @Test func slotsOfAMappingThatIsGoneAreLost() {
        var s = system()
        let b = s.kmalloc(size: 64)!
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 64, direction: .toDevice, attrs: [])!
        #expect(s.mappings[m].bouncePool != nil)
        s.mappings[m].live = false
        let v = Oracle().checkAccounting(s, step: 0).first
        #expect(v?.invariant == .safeLifecycle)
        #expect(v?.location.contains("swiotlb pool") == true)
    }

    /// The oracle reads the slots, not the pool's `used` count: a release at a free slot with an
    /// offset (`swiotlb_release_slots()` takes `nr_slots(alloc_size + offset)` from the area's
    /// count) brings the count to zero while a slot still holds a mapping that is gone.
    @Test func aLostSlotIsFoundWhateverThePoolsUsedCountSays() throws {
        var s = system()
        let b = s.kmalloc(size: 64)!
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 64, direction: .toDevice, attrs: [])!
        let pool = try #require(s.mappings[m].bouncePool)
        let held = try #require(s.swiotlbPools[pool].slots.firstIndex { $0.mapping == Int32(m) })
        _ = s.swiotlbPools[pool].release(slotIndex: held + 1, offsetLow: 0x800)
        #expect(s.swiotlbPools[pool].used == 0)
        s.mappings[m].live = false
        let v = Oracle().checkAccounting(s, step: 0).first
        #expect(v?.invariant == .safeLifecycle)
        #expect(v?.location.contains("swiotlb pool") == true)
    }
}
