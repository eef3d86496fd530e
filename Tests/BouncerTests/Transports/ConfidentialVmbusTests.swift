import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

@Suite struct ConfidentialVmbusTests {
    let ops: [GuestOperation] = [
        .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: true), legacyHost: false),
        .vmbusOpen(channel: 0), .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 4096),
        .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .toDevice),
    ]

    /// Seed 000: a `co_external_memory` device DMAs into private memory, never through swiotlb.
    @Test func externalMemoryDeviceIsNeverBounced() {
        #expect(run(ops).violations.isEmpty)
        #expect(guest(ops).system.mappings[0].bouncePool == nil)
    }

    /// `cvmbus-swiotlb`: the device is still bounced, and its data sits in a decrypted slot.
    @Test func bouncingItBreaksConfTrusted() {
        for platform in [PlatformKind.tdx, .sevSnp] {
            #expect(run(ops, on: platform, profile("cvmbus-swiotlb")).firstViolation?.invariant == .confTrusted, "\(platform)")
        }
    }
}
