import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// The share-in-place finding: on platforms whose conversion keeps page contents visible,
/// `dma_direct_alloc()` decrypts fresh pages before it zeroes them, so the host can read what a
/// freed allocation left there. Pinned so a change to it is noticed.
@Suite struct ShareInPlaceFindingTests {
    let ops: [Operation] = [
        .probeDevice(untrusted),
        .kmalloc(size: 4096, zone: .normal),
        .cpuWrite(buffer: 0, offset: 0, size: 4096),
        .kfree(buffer: 0),
        .allocCoherent(device: 0, size: 4096, blocking: true),
    ]

    @Test func onS390AndPkvmTheStaleBytesOfAFreedBufferBecomeHostVisible() {
        for platform in [PlatformKind.s390Pv, .pkvm] {
            let v = run(ops, on: platform).firstViolation
            #expect(v?.invariant == .confPrivate, "\(platform)")
            #expect(v?.detail.contains("shared the page in place") == true)
        }
    }

    @Test func whereConversionGivesTheHostAnotherPageNothingLeaks() {
        for platform in [PlatformKind.tdx, .sevSnp, .sevSnpVtom, .cca] {
            #expect(run(ops, on: platform).violations.isEmpty, "\(platform)")
        }
    }
}
