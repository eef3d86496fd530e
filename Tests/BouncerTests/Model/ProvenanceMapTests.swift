import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct ProvenanceMapTests {
    @Test func fillSplitsAndMergesRuns() {
        var m = ProvenanceMap(size: 100)
        m.fill(10, 20, .host(1))
        #expect(m.runCount == 3)
        m.fill(20, 30, .host(1))
        #expect(m.runCount == 3)
        m.fill(0, 100, .zero)
        #expect(m.runCount == 1)
    }

    @Test func copyMovesProvenanceByteForByte() {
        var m = ProvenanceMap(size: 100)
        m.fill(0, 5, .guest(1, disclosed: false))
        m.fill(5, 10, .host(2))
        m.copy(from: 0, to: 50, count: 10)
        #expect(m.tag(at: 54) == .guest(1, disclosed: false))
        #expect(m.tag(at: 55) == .host(2))
        #expect(m.tag(at: 60) == .zero)
    }

    @Test func discloseMarksOnlyGuestBytes() {
        var m = ProvenanceMap(size: 100)
        m.fill(0, 10, .guest(1, disclosed: false))
        m.fill(10, 20, .host(3))
        m.disclose(5, 15)
        #expect(m.tag(at: 4) == .guest(1, disclosed: false))
        #expect(m.tag(at: 5) == .guest(1, disclosed: true))
        #expect(m.tag(at: 12) == .host(3))
        #expect(m.firstUndisclosedGuest(0, 100)?.0 == 0)
        #expect(m.firstUndisclosedGuest(5, 100) == nil)
    }

    /// Fills, overlapping copies and disclosures in any order give the bytes a plain per-byte
    /// array would, and the runs stay sorted with no two neighbours alike.
    @Test(arguments: 1 ... 20 as ClosedRange<UInt64>)
    func runsAgreeWithAByteArray(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let size: UInt32 = 256
        var m = ProvenanceMap(size: size)
        var bytes = [Provenance](repeating: .zero, count: Int(size))
        let tags: [Provenance] = [.zero, .host(1), .host(2), .guest(3, disclosed: false), .guest(3, disclosed: true), .guest(4, disclosed: false)]
        for _ in 0 ..< 200 {
            let lo = UInt32.random(in: 0 ..< size, using: &rng)
            let hi = UInt32.random(in: lo ... size, using: &rng)
            switch Int.random(in: 0 ..< 3, using: &rng) {
            case 0:
                let tag = tags.randomElement(using: &rng)!
                m.fill(lo, hi, tag)
                for i in Int(lo) ..< Int(hi) { bytes[i] = tag }
            case 1:
                let to = UInt32.random(in: 0 ..< size, using: &rng)
                let n = min(hi - lo, size - to)
                m.copy(from: lo, to: to, count: hi - lo)
                let moved = Array(bytes[Int(lo) ..< Int(lo + n)])
                for i in 0 ..< Int(n) { bytes[Int(to) + i] = moved[i] }
            default:
                m.disclose(lo, hi)
                for i in Int(lo) ..< Int(hi) where bytes[i].isUndisclosedGuest { bytes[i] = bytes[i].disclosing }
            }
            #expect((0 ..< size).map { m.tag(at: $0) } == bytes)
            #expect(m.runs.first?.start == 0)
            #expect(zip(m.runs, m.runs.dropFirst()).allSatisfy { $0.start < $1.start && $0.tag != $1.tag })
        }
    }
}
