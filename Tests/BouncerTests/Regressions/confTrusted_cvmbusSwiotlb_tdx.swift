import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: CONF-TRUSTED under `cvmbus-swiotlb` on tdx, minimised from
/// 4 to 4 operations (from `Corpus/regressions/vmbus/cvmbus-swiotlb--confTrusted_cvmbusSwiotlb_tdx.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/vmbus/cvmbus-swiotlb--confTrusted_cvmbusSwiotlb_tdx.bounce --target vmbus --profile cvmbus-swiotlb --name confTrusted_cvmbusSwiotlb_tdx`.
/// A trusted device's DMA never goes through a decrypted bounce buffer or pool.
/// Found: device 0 (trusted), mapping 0, dma 0x40000000, page 32 (0x40000000): a trusted device's DMA goes through a shared page held by swiotlb pool 0
@Test func confTrusted_cvmbusSwiotlb_tdx() throws {
    let operations: [GuestOperation] = [
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: true), legacyHost: false),  // host offers a storvsc channel (co_ring_buffer, co_external_memory)
        .vmbusOpen(channel: 0),  // vmbus_open(channel 0)
        .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 0, direction: .toDevice),  // vmbus_sendpacket_mpb_desc(channel 0, buffer 0 +0, 0, DMA_TO_DEVICE)
    ]
    let profile = Profile.builtIn(named: "cvmbus-swiotlb")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .confTrusted, "\(result.violations)")
    #expect(result.steps == operations.count)
}
