@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import Testing

/// The oracle resolves every handed-out DMA address with its own statement of each platform's
/// encoding (`AddressEncoding`), so a model whose translation is wrong is reported, not followed.
@Suite struct AddressEncodingTests {
    /// Probes an untrusted device and maps a buffer for it; the oracle's verdict on the map.
    static func mapOnce(_ platform: Platform) -> [Violation] {
        var s = System(platform, behaviours: Behaviours())
        var oracle = Oracle()
        s.beginStep()
        s.probeDevice(DeviceConfig())
        let b = s.kmalloc(size: 512)!
        _ = oracle.check(s, step: 0)
        s.beginStep()
        _ = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: [])
        return oracle.check(s, step: 1)
    }

    @Test(arguments: PlatformKind.allCases)
    func theModelsOwnTranslationIsClean(_ kind: PlatformKind) {
        #expect(Self.mapOnce(Platform(kind)).isEmpty)
    }

    /// A model that puts CCA's `PROT_NS_SHARED` at bit 46 agrees with itself (it sets and strips
    /// the same bit), so an oracle that asked the model would pass it; the device was handed the
    /// private alias.
    @Test func aWrongSharedBitOnCcaIsReported() throws {
        var wrong = Platform(.cca)
        wrong.dmaSharedMask = 1 << 46
        let v = try #require(Self.mapOnce(wrong).first)
        #expect(v.invariant == .confBounce)
        #expect(v.detail.contains("(private) alias"), "\(v)")
    }

    /// A model that encodes TDX's shared bit into DMA addresses hands out an address no guest
    /// page has.
    @Test func aSharedBitInTdxDmaAddressesIsReported() throws {
        var wrong = Platform(.tdx)
        wrong.dmaSharedMask = 1 << 47
        let v = try #require(Self.mapOnce(wrong).first)
        #expect(v.invariant == .confBounce)
        #expect(v.detail.contains("outside guest memory"), "\(v)")
    }
}
