@testable import BouncerModel
import Testing

/// A coherent allocation's record says whether its caller got a page, not the page again
/// (`dma_alloc_pages()` hands the caller the allocation's own first page, or none).
@Suite struct RecordsTests {
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
