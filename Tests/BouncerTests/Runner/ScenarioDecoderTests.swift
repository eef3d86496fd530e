@testable import BouncerRunner
import Testing

/// The decoder reads a kind's leading fields at fixed offsets (`DecodeEntry.slots`); the general
/// reader walks every field's wire form. They must agree on every byte string, including ones
/// that end inside an operation, or a fuzz input would mean one thing to the harness and another
/// to `replay`.
@Suite struct ScenarioDecoderTests {
    @Test func fixedOffsetsReadWhatTheFieldByFieldReaderReads() {
        var rng = SplitMix64(seed: 17)
        for entry in DecodeEntry.all {
            for _ in 0 ..< 400 {
                let bytes = (0 ..< Int.random(in: 0 ... 24, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
                let start = Int.random(in: 0 ... bytes.count, using: &rng)
                bytes.withUnsafeBytes { raw in
                    var fixed = Reader(bytes: raw, at: start)
                    var general = Reader(bytes: raw, at: start)
                    let a = fixed.fields(entry)
                    var b = Fields()
                    general.fields(entry.pointee.codes, from: 0, into: &b)
                    #expect(a == b, "\(entry.pointee.kind) \(bytes) from \(start)")
                    #expect(fixed.at == general.at, "\(entry.pointee.kind) \(bytes) from \(start)")
                }
            }
        }
    }

    /// The fixed offsets cover every field up to the first whose width depends on the bytes, so
    /// the agreement above is about the decoder's real path.
    @Test func everyFieldBeforeARaceOrAHandleListHasAFixedOffset() {
        for entry in DecodeEntry.all {
            let codes = entry.pointee.codes
            let variable = codes.firstIndex { $0.read == .race || $0.read == .handles } ?? codes.count
            #expect(entry.pointee.fixed == variable, "\(entry.pointee.kind)")
        }
    }
}
