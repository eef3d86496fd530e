@testable import BouncerModel
@testable import BouncerOracle
import BouncerPolicy
import Testing

/// The oracle's own record of page states (`PageStateShadow`), seeded from a boot eight pages at
/// a time: whatever the states and however many pages, it reads back what it was seeded with.
@Suite struct PageStateShadowTests {
    /// A whole number of words and not, fewer pages than eight, none; states alike and mixed.
    @Test(arguments: [0, 1, 7, 8, 9, 31, 32, 33, 319, 320])
    func aSeededShadowReadsEveryPageBack(_ count: Int) {
        let all: [PageState] = [.encrypted, .decrypted, .unknown]
        let patterns: [(Int) -> PageState] = [{ _ in .encrypted }, { _ in .unknown }, { all[($0 * 7 + $0 / 3) % 3] }]
        for pattern in patterns {
            let states = (0 ..< count).map(pattern)
            let shadow = PageStateShadow(states)
            #expect(shadow.seeded)
            for page in 0 ..< GuestMemory.pageCount {
                let want = page < count ? states[page] : .encrypted
                #expect(shadow.state(PageNumber(page)) == want, "page \(page) of \(count)")
                #expect(shadow.bits(PageNumber(page)) == UInt64(want.rawValue), "page \(page) of \(count)")
            }
        }
    }

    /// Every booted guest's page states, as the oracle starts from them.
    @Test func aShadowSeededFromABootHasItsStates() {
        for kind in PlatformKind.allCases {
            let s = system(kind)
            let shadow = PageStateShadow(s.memory.states)
            for page in 0 ..< GuestMemory.pageCount {
                #expect(shadow.state(PageNumber(page)) == s.memory.states[page], "\(kind), page \(page)")
            }
        }
    }
}
