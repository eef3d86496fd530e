@testable import BouncerModel
@testable import BouncerOracle
import Testing

/// CONF-PRIVATE step by step (`ConfidentialityChecks.privateBytesTouched`): the bytes a CPU write
/// or a bounce touched are walked only when one of the pages they span is host-visible. A span
/// that starts on a private page and runs onto a shared one is walked, and the undisclosed bytes
/// on the shared page are reported, wherever in the span that page lies (up to the end of memory).
@Suite struct PrivateBytesTouchedTests {
    static let undisclosed = Provenance.guest(1, disclosed: false)

    /// A booted TDX guest in a fresh step, its oracle, with `page` private and `page + 1` shared,
    /// and `secret` bytes of the shared page (as byte offsets in it) holding undisclosed data.
    static func privateThenShared(_ page: Int, secret: Range<UInt32>) -> (DmaLayer, Oracle) {
        var s = system(.tdx)
        let oracle = Oracle(booted: s)
        s.beginStep()
        s.memory.states[page] = .encrypted
        s.memory.states[page + 1] = .decrypted
        let shared = PageNumber(page + 1).firstByte.raw
        s.memory.contents.fill(PageNumber(page).firstByte.raw, shared + 4096, .zero)
        if !secret.isEmpty { s.memory.contents.fill(shared + secret.lowerBound, shared + secret.upperBound, undisclosed) }
        return (s, oracle)
    }

    static func privateBytes(_ found: [Violation]) -> [Violation] { found.filter { $0.invariant == .confPrivate } }

    @Test func aWriteFromAPrivatePageOntoASharedOneIsWalked() throws {
        let page = try #require(system(.tdx).memory.findFreePages(2, highest: .normal))
        var (s, oracle) = Self.privateThenShared(page, secret: 16 ..< 80)
        let lo = PageNumber(page).firstByte + 4000
        s.record(.cpuWrote(lo: lo, hi: PageNumber(page + 1).firstByte + 128))
        let found = Self.privateBytes(oracle.check(s, step: 1))
        let v = try #require(found.first, "\(found)")
        #expect(v.site == .privateBytes && v.step == 1 && v.page == page + 1, "\(v)")
        #expect(v.detail.contains("\(Self.undisclosed)"), "\(v)")
    }

    /// A bounce into the shared page from the private one's end is judged the same way (asked of
    /// the check itself: the event names no mapping, which the oracle's other checks would read).
    @Test func aBounceFromAPrivatePageOntoASharedOneIsWalked() throws {
        let page = try #require(system(.tdx).memory.findFreePages(2, highest: .normal))
        let (s, _) = Self.privateThenShared(page, secret: 0 ..< 8)
        let tlb = GuestMemory.phys(of: PageNumber(page).firstByte + 4064)
        let bounce = Event.bounced(mapping: 0, toDevice: true, tlb: tlb, orig: GuestMemory.phys(of: ByteIndex(0)), size: 64)
        let found = ConfidentialityChecks.privateBytesTouched(bounce, s, 1)
        let v = try #require(found)
        #expect(v.invariant == .confPrivate && v.site == .privateBytes && v.page == page + 1, "\(v)")
    }

    /// The span ends exactly at the end of memory (`contents.size`), the undisclosed bytes in the
    /// last page's last bytes.
    @Test func aWriteEndingAtTheEndOfMemoryIsWalkedToItsLastByte() throws {
        let last = GuestMemory.pageCount - 1
        var (s, oracle) = Self.privateThenShared(last - 1, secret: 4088 ..< 4096)
        let end = ByteIndex(s.memory.contents.size)
        #expect(end == PageNumber(last).firstByte + 4096)
        s.record(.cpuWrote(lo: PageNumber(last - 1).firstByte + 2048, hi: end))
        let v = try #require(Self.privateBytes(oracle.check(s, step: 1)).first)
        #expect(v.site == .privateBytes && v.page == last, "\(v)")
    }

    /// The same spans with nothing undisclosed on the shared page (the private page may hold
    /// anything): no false alarm.
    @Test func aSpanWithNoUndisclosedByteOnItsSharedPageIsClean() throws {
        for page in [try #require(system(.tdx).memory.findFreePages(2, highest: .normal)), GuestMemory.pageCount - 2] {
            var (s, oracle) = Self.privateThenShared(page, secret: 0 ..< 0)
            s.memory.contents.fill(PageNumber(page).firstByte.raw, PageNumber(page + 1).firstByte.raw, Self.undisclosed)
            s.record(.cpuWrote(lo: PageNumber(page).firstByte, hi: PageNumber(page + 2).firstByte))
            #expect(Self.privateBytes(oracle.check(s, step: 1)).isEmpty, "page \(page)")
        }
    }
}
