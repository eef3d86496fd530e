import BouncerModel
import BouncerOracle
import BouncerPolicy
import Testing

/// What a failed map gives the host, entry by entry: only the bytes a bounce already copied into
/// a slot for an untrusted device. `dma_direct_map_page()` (v6.12 kernel/dma/direct.h) refuses
/// an unreachable buffer before touching it, `swiotlb_tbl_map_single()` copies only once it holds
/// a slot (`swiotlb_map()` may then refuse the slot's address, the copy made), and
/// `dma_direct_map_sg()` (direct.c) never reaches the entries after the failing one.
@Suite struct FailedMapDisclosureTests {
    /// TDX under linux-6.12 with the given untrusted device and two guest-written buffers, 4096
    /// bytes in `zones.0` and 200 in `zones.1`.
    static func guest(_ device: DeviceConfig, zones: (Zone, Zone)) -> (DmaLayer, [Int]) {
        var s = DmaLayer(platform: .tdx, behaviours: profile("linux-6.12").behaviours)
        s.probeDevice(device)
        let buffers = [s.kmalloc(size: 4096, zone: zones.0)!, s.kmalloc(size: 200, zone: zones.1)!]
        for b in buffers { s.cpuWriteBuffer(b, offset: 0, size: s.buffers[b].size) }
        return (s, buffers)
    }

    /// No swiotlb and a 1 GiB bus limit: a ZONE_DMA buffer is mapped in place, one above 4 GiB
    /// is refused (class A of the TDX campaign).
    static let noSwiotlb = DeviceConfig(busDmaLimit: 0x3fff_ffff, swiotlbDisabled: true)

    static func undisclosed(_ s: DmaLayer, _ buffer: Int) -> Bool {
        let b = s.buffers[buffer]
        let lo = GuestMemory.byteIndex(ofPhys: b.phys)!
        return s.memory.contents.firstUndisclosedGuest(lo, lo + b.size) != nil
    }

    static func entries(_ s: DmaLayer, _ buffers: [Int]) -> [(phys: UInt64, size: UInt32)] {
        buffers.map { (phys: s.buffers[$0].phys, size: s.buffers[$0].size) }
    }

    /// The first entry is mapped in place, the second refused before anything is copied
    /// (`dma_direct_map_page()`'s overflow warning); the unwind takes the first back and the
    /// driver never programs it, so neither buffer's bytes reached the host.
    @Test func aListWhoseInPlaceEntryIsUnwoundDisclosesNothing() {
        var (s, buffers) = Self.guest(Self.noSwiotlb, zones: (.dma, .normal))
        s.beginStep()
        #expect(s.dmaMapSg(device: 0, entries: Self.entries(s, buffers), direction: .fromDevice, attrs: []) == nil)
        #expect(s.mappings.count == 2 && s.mappings[0].dma != dmaMappingError && s.mappings[0].bouncePool == nil)
        #expect(s.mappings[1].dma == dmaMappingError)
        #expect(!s.events.contains { if case .bounced = $0 { true } else { false } })
        #expect(Self.undisclosed(s, buffers[0]) && Self.undisclosed(s, buffers[1]))
        // Mapped alone, the first is handed out, and so given; the second is refused alone too.
        s.beginStep()
        #expect(s.dmaMapPhys(device: 0, phys: s.buffers[buffers[1]].phys, size: 200, direction: .toDevice, attrs: []) == nil)
        #expect(Self.undisclosed(s, buffers[1]))
        #expect(s.dmaMapPhys(device: 0, phys: s.buffers[buffers[0]].phys, size: 4096, direction: .toDevice, attrs: []) != nil)
        #expect(!Self.undisclosed(s, buffers[0]))
    }

    /// The pool lies beyond the device's bus limit (class B): the first entry is bounced, then
    /// `swiotlb_map()` refuses the slot's address. Its bytes went into the shared slot, so they
    /// are disclosed; the second entry was never touched.
    @Test func aListFailingAfterTheFirstBounceDisclosesThatEntryOnly() {
        let device = DeviceConfig(busDmaLimit: 0x3fff_ffff, dmaRangeOffset: 0x8000_0000)
        var (s, buffers) = Self.guest(device, zones: (.normal, .normal))
        s.beginStep()
        #expect(s.dmaMapSg(device: 0, entries: Self.entries(s, buffers), direction: .fromDevice, attrs: []) == nil)
        #expect(s.mappings.count == 1, "the second entry is never attempted")
        #expect(s.events.contains { if case .bounced(0, true, _, _, _) = $0 { true } else { false } })
        #expect(!Self.undisclosed(s, buffers[0]))
        #expect(Self.undisclosed(s, buffers[1]))
    }

    /// A trusted device then bounced through 6.12's shared pool leaks the never-disclosed bytes.
    @Test func theUnwoundEntryBreaksConfPrivateWhenLaterBouncedShared() {
        var (s, buffers) = Self.guest(Self.noSwiotlb, zones: (.dma, .normal))
        s.probeDevice(trusted)
        var oracle = Oracle(booted: s)
        s.beginStep()
        #expect(s.dmaMapSg(device: 0, entries: Self.entries(s, buffers), direction: .fromDevice, attrs: []) == nil)
        #expect(oracle.check(s, step: 0).isEmpty)
        s.beginStep()
        #expect(s.dmaMapSg(device: 1, entries: Self.entries(s, [buffers[0]]), direction: .fromDevice, attrs: []) != nil)
        let found = oracle.check(s, step: 1).map(\.invariant)
        #expect(found.contains(.confPrivate), "\(found)")
    }
}
