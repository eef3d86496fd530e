import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// `swiotlb_dyn_alloc()` (issue 16 item 1): `alloc_dma_pages()` decrypts the fresh pages and
/// `swiotlb_init_io_tlb_pool()` zeroes them afterwards, so where conversion shares in place the
/// host reads what the pages held before.
@Suite struct DynamicPoolShareInPlaceTests {
    /// Stale guest bytes in ZONE_DMA32 pages, the default pool's 128 slots filled by four bounces
    /// of 32 slots, a fifth bounce that schedules `swiotlb_dyn_alloc()` (its transient pool fails
    /// on s390, which has no atomic pools), and the workqueue running it.
    static let ops: [Operation] =
        [
            .probeDevice(untrusted),
            .kmalloc(size: 65535, zone: .dma32), .cpuWrite(buffer: 0, offset: 0, size: 65535), .kfree(buffer: 0),
        ]
        + (1 ... 4).flatMap { b -> [Operation] in
            [
                .kmalloc(size: 65535, zone: .normal),
                .mapBuffer(device: 0, buffer: b, offset: 0, size: 65535, direction: .toDevice, skipCpuSync: false),
            ]
        }
        + [
            .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 5, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
            .runDeferredWork,
        ]
    var ops: [Operation] { Self.ops }

    @Test func onS390TheDynamicPoolSharesStaleBytes() {
        let r = run(ops, on: .s390Pv)
        #expect(r.firstViolation?.invariant == .confPrivate)
        #expect(r.firstViolation?.detail.contains("shared the page in place") == true)
        #expect(r.steps == ops.count, "found at the workqueue step")
    }

    @Test func whereConversionGivesTheHostAnotherPageTheDynamicPoolExposesNothing() {
        for platform in [PlatformKind.tdx, .sevSnp, .cca] {
            #expect(run(ops, on: platform).violations.isEmpty, "\(platform)")
        }
    }
}
