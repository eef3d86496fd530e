@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import Testing

/// The oracle resolves every handed-out DMA address with its own statement of each platform's
/// encoding (`AddressEncoding`), so a model whose translation is wrong is reported, not followed.
@Suite struct AddressEncodingTests {
    /// Probes an untrusted device and maps a buffer for it; the oracle's verdict on the map.
    /// pKVM under the series' pKVM patch, so that the map shares (a mainline pKVM guest hands the
    /// device the private address, a known finding).
    static func mapOnce(_ platform: Platform) -> [Violation] {
        var behaviours = Behaviours()
        if platform.kind == .pkvm { behaviours.pkvmCcPlatform = .ccPlatform }
        var s = DmaLayer(platform, behaviours: behaviours)
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

    /// A model that puts the SEV C-bit at bit 47 sets and strips that bit consistently, so its own
    /// `dma_to_phys()` finds the buffer again; a trusted device, mapped directly with the C-bit
    /// set, is reported because the oracle strips bit 51 only, and the address leads outside RAM.
    @Test func aWrongCBitOnSnpIsReported() throws {
        var wrong = Platform(.sevSnp)
        wrong.dmaEncryptedMask = 1 << 47
        var s = DmaLayer(wrong, behaviours: Behaviours())
        var oracle = Oracle(booted: s)
        s.beginStep()
        s.probeDevice(DeviceConfig(trusted: true))
        let handle = s.kmalloc(size: 512)
        let b = try #require(handle)
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: [])
        let mapping = try #require(m)
        #expect(s.dmaToPhys(0, s.mappings[mapping].dma) == s.buffers[b].phys, "the model agrees with itself")
        let v = try #require(oracle.check(s, step: 0).first)
        #expect(v.invariant == .confTrusted && v.detail.contains("outside guest memory"), "\(v)")
    }
}

/// The oracle's own statement of the device's dma-ranges window (one `bus_dma_region` from
/// physical 0, ending at the bus limit): a bus address outside it reaches no memory.
@Suite struct AddressEncodingRangeTests {
    /// A model whose translation ignored the region's end would hand the device bus address
    /// physical + offset for a private buffer above 4 GiB (the handout rewritten so); the window ends at
    /// 0xFFFF_FFFF, so the oracle reports the address itself rather than the page it would name
    /// with one offset over all memory.
    @Test func aHandoutAboveTheWindowIsReported() throws {
        var s = DmaLayer(Platform(.tdx), behaviours: Behaviours())
        var oracle = Oracle(booted: s)
        s.beginStep()
        s.probeDevice(DeviceConfig(busDmaLimit: 0xFFFF_FFFF, dmaRangeOffset: 0x1000_0000))
        let b = s.kmalloc(size: 512)!
        #expect(oracle.check(s, step: 0).isEmpty)
        s.beginStep()
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: 512, direction: .toDevice, attrs: [])!
        #expect(s.buffers[b].phys >= 0x1_0000_0000 && s.mappings[m].bouncePool != nil)
        let wrong = DmaAddr(s.buffers[b].phys + 0x1000_0000)
        s.events = s.events.map {
            guard case let .handedOut(device, _, size, mapping, coherent) = $0 else { return $0 }
            return .handedOut(device: device, dma: wrong, size: size, mapping: mapping, coherent: coherent)
        }
        let v = try #require(oracle.check(s, step: 1).first)
        #expect(v.invariant == .confBounce && v.detail.contains("outside the device's dma-ranges region"), "\(v)")
    }
}
