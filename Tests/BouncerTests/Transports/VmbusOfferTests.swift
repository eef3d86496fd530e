import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

@Suite struct VmbusOfferTests {
    /// `vmbus_onoffer()`: external memory needs an encrypted ring, and either flag needs a
    /// confidential VMBus connection at `VERSION_WIN10_V6_0` or later.
    @Test func onofferRefusesBadConfidentialCombinations() {
        let cases: [(VmbusOffer, Bool, PlatformKind, ChannelState)] = [
            (VmbusOffer(deviceClass: .storvsc, coRingBuffer: false, coExternalMemory: true), false, .tdx, .refused),
            (VmbusOffer(deviceClass: .storvsc, coRingBuffer: true), true, .tdx, .refused),
            (VmbusOffer(deviceClass: .storvsc, coRingBuffer: true), false, .cca, .refused),
            (VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: true), false, .sevSnp, .offered),
            (storvsc, true, .cca, .offered),
        ]
        for (offer, legacy, platform, state) in cases {
            let g = guest([.vmbusOffer(offer, legacyHost: legacy)], on: platform)
            #expect(g.channels[0].state == state, "\(offer) legacy \(legacy) on \(platform)")
        }
    }

    /// `vmbus_device_register()` with seed 000: a `co_external_memory` device is trusted; upstream
    /// accepts it and disables its swiotlb, the old kernel does not know.
    @Test func externalMemoryDeviceIsAcceptedOnlyUnderTheSeriesBehaviour() {
        let offer = VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: true)
        let now = guest([.vmbusOffer(offer, legacyHost: false)]).system.devices[0].config
        #expect(now.trusted && now.accepted && now.swiotlbDisabled)
        let old = guest([.vmbusOffer(offer, legacyHost: false)], profile("cvmbus-swiotlb")).system.devices[0].config
        #expect(old.trusted && !old.accepted && !old.swiotlbDisabled)
    }
}
