import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

@Suite struct VmbusPacketTests {
    let open: [GuestOperation] = [
        .vmbusOffer(storvsc, legacyHost: false), .vmbusOpen(channel: 0), .kmalloc(size: 4096, zone: .normal),
        .cpuWrite(buffer: 0, offset: 0, size: 4096),
    ]

    /// storvsc maps its data through the DMA API: bounced on a confidential guest; the completion
    /// for the request id unmaps and copies back what the device wrote.
    @Test func storvscRequestIsBouncedAndCompleted() {
        let ops = open + [
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .fromDevice),
            .deviceWrite(mapping: 0, offset: 0, size: 512),
            .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 64),
        ]
        let r = run(ops)
        #expect(r.violations.isEmpty)
        let g = guest(ops)
        #expect(g.system.mappings[0].bouncePool != nil)
        #expect(!g.system.mappings[0].live)
    }

    /// A storvsc read of which the device fills only part: under `cve-2022-0854` the rest of the
    /// buffer comes back as whatever the slot held, not the buffer's own bytes (CONF-STALE).
    @Test func partialReadThroughStorvscLeaksStaleSlotsUnderTheOldSwiotlb() {
        let ops: [GuestOperation] = [
            .vmbusOffer(storvsc, legacyHost: false), .vmbusOpen(channel: 0),
            .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 4096),
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .toDevice),
            .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 64),
            .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 1, offset: 0, size: 4096),
            .vmbusSend(channel: 0, buffer: 1, offset: 0, size: 4096, direction: .fromDevice),
            .deviceWrite(mapping: 1, offset: 0, size: 512),
            .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 64),
        ]
        #expect(run(ops).violations.isEmpty)
        #expect(run(ops, profile("cve-2022-0854")).firstViolation?.invariant == .confStale)
    }

    /// `vmbus_request_addr()`: an id that is zero, out of range or not outstanding completes nothing.
    @Test func unknownRequestIdsAreDropped() {
        let ops = open + [
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .toDevice),
            .vmbusHostCompletion(channel: 0, requestId: 0, length: 64, rewrittenLength: 64),
            .vmbusHostCompletion(channel: 0, requestId: 7, length: 64, rewrittenLength: 64),
        ]
        let g = guest(ops)
        #expect(g.channels[0].droppedPackets == 2)
        #expect(g.system.mappings[0].live)
    }

    /// `hv_pkt_iter_first()` copies the packet out once, so a length rewritten while the guest
    /// reads is never seen twice; parsing in place (the old way) fetches it twice (SAFE-HOSTINPUT).
    @Test func lengthRewrittenDuringReadIsHarmlessOnlyWithThePrivateCopy() {
        let ops = open + [
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .toDevice),
            .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 60000),
        ]
        #expect(run(ops).violations.isEmpty)
        let inPlace = run(ops, upstream { $0.vmbusInbound = .inPlace })
        #expect(inPlace.firstViolation?.invariant == .safeHostInput)
        #expect(inPlace.firstViolation?.detail.contains("read twice") == true)
    }

    /// `netvsc_receive()` drops a section outside the receive buffer; with the check bypassed by a
    /// second fetch the copy runs past it.
    @Test func netvscReceiveBoundsTheHostsSection() {
        let ops: [GuestOperation] = [
            .vmbusOffer(netvsc, legacyHost: false), .vmbusOpen(channel: 0),
            .netvscHostReceive(channel: 0, offset: 4096, length: 1500, rewrittenLength: 1500),
            .netvscHostReceive(channel: 0, offset: 30000, length: 9000, rewrittenLength: 9000),
            .netvscHostReceive(channel: 0, offset: 0, length: 100, rewrittenLength: 40000),
        ]
        #expect(run(ops).violations.isEmpty)
        #expect(guest(ops).channels[0].droppedPackets == 1)
        #expect(run(ops, upstream { $0.vmbusInbound = .inPlace }).firstViolation?.invariant == .safeHostInput)
    }

    /// netvsc copies a small packet into its shared send buffer: given on purpose, no leak; a
    /// large one is mapped `DMA_TO_DEVICE`.
    @Test func netvscSendsSmallPacketsThroughTheSendBuffer() {
        let ops: [GuestOperation] = [
            .vmbusOffer(netvsc, legacyHost: false), .vmbusOpen(channel: 0), .kmalloc(size: 4096, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 4096),
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 1500, direction: .toDevice),
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .fromDevice),
        ]
        #expect(run(ops).violations.isEmpty)
        let g = guest(ops)
        #expect(g.system.mappings.count == 1 && g.system.mappings[0].direction == .toDevice)
    }
}
