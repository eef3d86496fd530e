import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-FREELIST under `hv-gpadl-free-2024` on tdx, minimised from
/// 3 to 3 operations (from `Corpus/regressions/vmbus/hv-gpadl-free-2024--confFreelist_hvGpadlFree2024_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/vmbus/hv-gpadl-free-2024--confFreelist_hvGpadlFree2024_tdx.bounce --target vmbus --profile hv-gpadl-free-2024 --name confFreelist_hvGpadlFree2024_tdx`.
/// No shared or unknown page is ever on the free list.
/// Found: page 208 (0x100010000): an unknown page was put back on the free list
@Test func confFreelist_hvGpadlFree2024_tdx() throws {
    let operations: [GuestOperation] = [
        .failNextConversion(afterPages: 0),  // host fails the next page conversion after 0 page(s)
        .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: false, coExternalMemory: false), legacyHost: false),  // host offers a storvsc channel
        .vmbusOpen(channel: 0),  // vmbus_open(channel 0)
    ]
    let profile = Profile.builtIn(named: "hv-gpadl-free-2024")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confFreelist, "\(result.violations)")
    #expect(result.steps == operations.count)
}
