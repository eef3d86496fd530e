@testable import BouncerModel
import Testing

/// Every fuzz run copies the booted guest's device and coherent-allocation arrays on its first
/// append, and an append past their capacity copies every record: the records keep the packed
/// sizes their field order gives them, so a new field is placed where it costs no padding.
@Suite struct RecordLayoutTests {
    @Test func aDeviceRecordPacksIntoSeventyTwoBytes() {
        #expect(MemoryLayout<Device>.stride == 72)
    }

    @Test func aCoherentAllocationRecordPacksIntoFiftySixBytes() {
        #expect(MemoryLayout<CoherentAllocation>.stride == 56)
    }

    /// What the caller holds is derived from a flag: the allocation's own memory, or nothing.
    @Test func theCallerHoldsTheAllocationsOwnMemoryUnlessItGotNoPage() {
        var c = CoherentAllocation(
            allocation: 1, shared: false, live: true, device: 0, phys: 0x1234_5000, pages: 1, dma: 0x1234_5000,
            source: .pages)
        #expect(c.callerPhys == 0x1234_5000)
        c.callerGetsPage = false
        #expect(c.callerPhys == nil)
    }
}
