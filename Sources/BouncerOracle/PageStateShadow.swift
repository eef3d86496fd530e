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

    /// Seeded from the booted guest's states eight pages at a time: once per boot, which page by
    /// page cost more than the rest of the oracle's seeding.
    init(_ states: [PageState]) {
        precondition(states.count <= Self.pagesPerWord * words.count, "PageStateShadow holds \(Self.pagesPerWord * words.count) pages")
        // The array's bytes are the states' case numbers, which are their raw values (declared
        // in order from 0).
        assert([PageState.encrypted, .decrypted, .unknown].allSatisfy { unsafeBitCast($0, to: UInt8.self) == $0.rawValue })
        states.withUnsafeBytes { bytes in
            var page = 0
            var w = 0
            while page < bytes.count {
                var word: UInt64 = 0
                var shift: UInt64 = 0
                while shift < 64 && page < bytes.count {
                    if bytes.count - page >= 8 {
                        word |= Self.packed(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: page, as: UInt64.self))) << shift
                        (page, shift) = (page + 8, shift + 16)
                    } else {
                        word |= UInt64(bytes[page]) << shift
                        (page, shift) = (page + 1, shift + 2)
                    }
                }
                words[w] = word
                w += 1
            }
        }
        seeded = true
    }

    /// Eight pages' states, one a byte (`PageState.rawValue`, below 4), as two bits a page: the
    /// low two bits of each byte gathered into the low 16 bits, page order kept.
    @inline(__always) static func packed(_ bytes: UInt64) -> UInt64 {
        var x = bytes & 0x0303_0303_0303_0303
        x = (x | x >> 6) & 0x000F_000F_000F_000F
        x = (x | x >> 12) & 0x0000_00FF_0000_00FF
        return (x | x >> 24) & 0xFFFF
    }

    @inline(__always) func state(_ page: PageNumber) -> PageState {
        PageState(rawValue: UInt8(truncatingIfNeeded: bits(page))) ?? .unknown
    }

    /// A page's two bits, `PageState.rawValue` (3, never stored, reads as unknown): CONF-ALIAS
    /// compares them as they are, without making a `PageState` of every page it walks.
    @inline(__always) func bits(_ page: PageNumber) -> UInt64 {
        words[page.raw / Self.pagesPerWord] >> UInt64(page.raw % Self.pagesPerWord * 2) & 3
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
