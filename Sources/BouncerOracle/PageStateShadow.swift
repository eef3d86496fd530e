import BouncerModel

/// The oracle's own record of each page's encryption state, kept from the `converted` events
/// (which way, and where the host failed the call) rather than read from the model after the
/// step: CONF-ALIAS judges a CPU access against the state its page had at that point of the step,
/// so a page converted or freed later in the same step is judged as the access met it. It starts
/// from the booted guest, as the page ledger does; `Oracle()` without a boot has none.
struct PageStateShadow: Sendable {
    /// Two bits a page (`PageState.rawValue`), 32 pages a word, held inline: the oracle a fuzz
    /// harness copies for every input and the conversion it follows allocate nothing.
    var words = InlineArray<10, UInt64>(repeating: 0)
    /// Seeded from a boot; an unseeded shadow knows no page and judges nothing.
    private(set) var seeded = false

    static let pagesPerWord = 32

    init() {}

    /// Seeded from the booted guest's states a word at a time: every run from a fresh boot
    /// (`Runner(platform:profile:)`, the model-step benchmark, replays) pays for it, which page by
    /// page cost more.
    init(_ states: [PageState]) {
        precondition(states.count <= Self.pagesPerWord * words.count, "PageStateShadow holds \(Self.pagesPerWord * words.count) pages")
        states.withUnsafeBufferPointer { s in
            var page = 0
            for w in words.indices {
                var word: UInt64 = 0, shift: UInt64 = 0
                let end = min(page + Self.pagesPerWord, s.count)
                while page < end {
                    word |= UInt64(s[page].rawValue) << shift
                    shift += 2
                    page += 1
                }
                words[w] = word
            }
        }
        seeded = true
    }

    @inline(__always) func state(_ page: PageNumber) -> PageState {
        let bits = words[page.raw / Self.pagesPerWord] >> UInt64(page.raw % Self.pagesPerWord * 2) & 3
        return PageState(rawValue: UInt8(truncatingIfNeeded: bits)) ?? .unknown
    }

    @inline(__always) mutating func set(_ page: Int, _ state: PageState) {
        let w = page / Self.pagesPerWord, shift = UInt64(page % Self.pagesPerWord * 2)
        words[w] = words[w] & ~(3 << shift) | UInt64(state.rawValue) << shift
    }

    /// Learns one conversion, after the checks have judged the event: the pages before the
    /// failure point take the state asked for, the failed page becomes unknown, the rest stay
    /// (`DmaLayer.setMemoryDecrypted`, `setMemoryEncrypted`).
    @inline(__always) mutating func observe(_ event: Event) {
        guard seeded, case let .converted(pages, target, failedAt) = event else { return }
        for page in pages.lowerBound.raw ..< (failedAt ?? pages.upperBound).raw { set(page, target) }
        if let failedAt { set(failedAt.raw, .unknown) }
    }
}
