import BouncerModel
import Testing

@Suite struct GuestMemoryTests {
    /// The zone geometry is written as literals in three functions; they must still tile the page
    /// index without gaps, and every page's address must translate back to it.
    @Test func zonesTileThePageIndexAndAddressesRoundTrip() {
        #expect(GuestMemory.firstPage(of: 0) == 0)
        for z in 1 ..< 3 {
            #expect(GuestMemory.firstPage(of: z) == GuestMemory.firstPage(of: z - 1) + GuestMemory.pages(of: z - 1))
        }
        #expect(GuestMemory.pageCount == GuestMemory.firstPage(of: 2) + GuestMemory.pages(of: 2))
        for page in 0 ..< GuestMemory.pageCount {
            let phys = GuestMemory.phys(ofPage: page)
            #expect(GuestMemory.page(ofPhys: phys) == page)
            #expect(GuestMemory.page(ofPhys: phys + 4095) == page)
            #expect(GuestMemory.base(of: GuestMemory.zone(ofPage: page).rawValue) <= phys)
        }
        for z in 0 ..< 3 {
            let end = GuestMemory.base(of: z) + UInt64(GuestMemory.pages(of: z)) << 12
            #expect(GuestMemory.page(ofPhys: end) == nil)
            #expect(GuestMemory.page(ofPhys: GuestMemory.base(of: z) - 1) == nil)
            #expect(GuestMemory.bytesToZoneEnd(end - 1) == 1)
        }
    }
}
