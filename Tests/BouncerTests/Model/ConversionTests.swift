import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct ConversionTests {
    @Test func aConversionTheHostFailsPartwayLeavesOnePageUnknown() {
        var s = system()
        let b = s.kmalloc(size: 4 * 4096)!
        let firstPage = GuestMemory.page(ofPhys: s.buffers[b].phys)!
        let pages = firstPage ..< firstPage + 4
        s.armConversionFault(ConversionFault(afterPages: 2))
        let first = s.setMemoryDecrypted(pages)
        #expect(!first)
        #expect(pages.map { s.memory.states[$0] } == [.decrypted, .decrypted, .unknown, .encrypted])
        let second = s.setMemoryDecrypted(pages)
        #expect(second)
    }

    @Test func aConversionEventSaysWhichWayThePagesWentAndWhereTheHostFailedIt() {
        var s = system()
        let b = s.kmalloc(size: 4 * 4096)!
        let first = GuestMemory.page(ofPhys: s.buffers[b].phys)!
        s.beginStep()
        s.armConversionFault(ConversionFault(afterPages: 2))
        s.setMemoryDecrypted(first ..< first + 4)
        s.setMemoryEncrypted(first ..< first + 4)
        let conversions = s.events.compactMap { e -> (pages: Range<PageNumber>, to: PageState, failedAt: PageNumber?)? in
            if case let .converted(pages, to, failedAt) = e { return (pages, to, failedAt) }
            return nil
        }
        #expect(conversions.count == 2)
        #expect(conversions.allSatisfy { $0.pages == Range(first ..< first + 4) })
        #expect(conversions.first?.to == .decrypted && conversions.first?.failedAt == PageNumber(first + 2))
        #expect(conversions.last?.to == .encrypted && conversions.last?.failedAt == nil)
    }

    /// Every step records events and the oracle reads each one: the direction and failure point
    /// of a conversion fit within the largest payload (a hand-out's), so an event is no larger.
    @Test func anEventIsNoLargerThanAHandOut() {
        #expect(MemoryLayout<Event>.size <= 50, "\(MemoryLayout<Event>.size)")
    }

    @Test func tdxGivesTheHostAFreshPageButPkvmSharesTheSamePage() {
        for (platform, keeps) in [(PlatformKind.tdx, false), (.pkvm, true)] {
            var s = system(platform)
            let b = s.kmalloc(size: 4096)!
            s.cpuWriteBuffer(b, offset: 0, size: 4096)
            let page = GuestMemory.page(ofPhys: s.buffers[b].phys)!
            s.setMemoryDecrypted(page ..< page + 1)
            #expect(s.memory.contents.tag(at: UInt32(page) << 12).isGuest == keeps)
        }
    }

    @Test func theHostCannotWriteAPrivatePage() {
        var s = system()
        let b = s.kmalloc(size: 4096)!
        let page = GuestMemory.page(ofPhys: s.buffers[b].phys)!
        let intoPrivate = s.hostWrite(page: page, offset: 0, size: 10)
        let intoSlot = s.hostWrite(page: s.swiotlbPools[0].firstPage, offset: 0, size: 10)
        #expect(!intoPrivate)
        #expect(intoSlot)
    }
}
