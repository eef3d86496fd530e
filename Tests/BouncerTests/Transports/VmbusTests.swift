import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

let storvsc = VmbusOffer(deviceClass: .storvsc)
let netvsc = VmbusOffer(deviceClass: .netvsc)

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

@Suite struct GpadlTests {
    /// `__vmbus_establish_gpadl()` decrypts the ring, and netvsc's buffers, of an ordinary channel.
    @Test func establishDecryptsRingAndBuffers() {
        let g = guest([.vmbusOffer(netvsc, legacyHost: false), .vmbusOpen(channel: 0)])
        let ch = g.channels[0]
        #expect(ch.state == .open)
        for gpadl in [ch.ring!, ch.receiveBuffer!, ch.sendBuffer!] {
            #expect(gpadl.decrypted && gpadl.established)
            #expect(g.system.blocks[gpadl.block].pageRange.allSatisfy { g.system.memory.states[$0] == .decrypted })
        }
    }

    /// `co_ring_buffer` keeps the ring private; `co_external_memory` keeps the buffers private.
    @Test func confidentialChannelsKeepTheirMemoryPrivate() {
        let ringOnly = guest([.vmbusOffer(VmbusOffer(deviceClass: .netvsc, coRingBuffer: true), legacyHost: false), .vmbusOpen(channel: 0)])
        #expect(!ringOnly.channels[0].ring!.decrypted && ringOnly.channels[0].receiveBuffer!.decrypted)
        let both = guest([
            .vmbusOffer(VmbusOffer(deviceClass: .netvsc, coRingBuffer: true, coExternalMemory: true), legacyHost: false),
            .vmbusOpen(channel: 0),
        ])
        #expect(!both.channels[0].ring!.decrypted && !both.channels[0].receiveBuffer!.decrypted)
        #expect(run([
            .vmbusOffer(VmbusOffer(deviceClass: .netvsc, coRingBuffer: true, coExternalMemory: true), legacyHost: false),
            .vmbusOpen(channel: 0), .vmbusClose(channel: 0),
        ]).violations.isEmpty)
    }

    /// A failed `set_memory_decrypted()` leaves `gpadl->decrypted` set: upstream leaks the ring;
    /// the 2024 bug freed it, shared or unknown pages onto the free list.
    @Test func decryptFailureOnEstablishLeaksUpstreamAndFreesUnderTheBug() {
        let ops: [Operation] = [.vmbusOffer(storvsc, legacyHost: false), .failNextConversion(afterPages: 2), .vmbusOpen(channel: 0)]
        let now = run(ops)
        #expect(now.violations.isEmpty)
        let g = guest(ops)
        #expect(g.system.blocks[0].live == false)
        #expect(g.system.memory.owners[g.system.blocks[0].firstPage] == .leaked(.decryptFailed))
        let bug = run(ops, profile("hv-gpadl-free-2024"))
        #expect(bug.firstViolation?.invariant == .confFreelist)
    }

    /// `vmbus_teardown_gpadl()` re-encrypts; when that fails the ring and netvsc's buffers leak.
    @Test func reencryptFailureOnTeardownLeaks() {
        let ops: [Operation] = [
            .vmbusOffer(netvsc, legacyHost: false), .vmbusOpen(channel: 0), .failNextConversion(afterPages: 1), .vmbusClose(channel: 0),
        ]
        #expect(run(ops).violations.isEmpty)
        let g = guest(ops)
        #expect(g.system.memory.owners[g.system.blocks[0].firstPage] == .leaked(.reencryptFailed))
        #expect(run(ops, profile("hv-gpadl-free-2024")).firstViolation?.invariant == .confFreelist)
    }

    /// A host that refuses the GPADL: the guest re-encrypts on the error path and frees private pages.
    @Test func refusedGpadlIsReencryptedAndFreed() {
        let ops: [Operation] = [.vmbusOffer(storvsc, legacyHost: false), .hostFailNextGpadl, .vmbusOpen(channel: 0)]
        let g = guest(ops)
        #expect(g.channels[0].state == .offered)
        #expect(g.system.blocks[0].live == false)
        #expect(g.system.memory.owners[g.system.blocks[0].firstPage] == .free)
        #expect(run(ops).violations.isEmpty)
    }

    /// netvsc's open hands the ring to the host, then finds no room for its receive buffer and
    /// closes the channel in the same step, freeing the ring. The oracle judges that release
    /// (CONF-FREELIST), not the handout of pages the step already took back, so upstream is clean.
    @Test func anOpenThatFailsAfterHandingOutTheRingIsClean() {
        var g = Guest(platform: .tdx, behaviours: Profile.linuxUpstream.behaviours)
        // Fill memory, then free eight pages: room for the ring (four) but not the buffer (eight).
        var eightPages: [Int] = []
        while let b = g.system.kmalloc(size: 8 << 12) { eightPages.append(b) }
        while g.system.kmalloc(size: 1 << 12) != nil {}
        g.system.kfree(eightPages[0])
        var runner = Runner(booted: g)
        #expect(runner.run(.vmbusOffer(netvsc, legacyHost: false)).isEmpty)
        let violations = runner.run(.vmbusOpen(channel: 0))
        let handedOut = runner.system.events.contains { if case .handedOut = $0 { true } else { false } }
        let freed = runner.system.events.contains { if case .freed = $0 { true } else { false } }
        #expect(handedOut && freed)
        #expect(runner.guest.channels[0].state != .open)
        #expect(violations.isEmpty)
    }

    /// Rescind: teardown skips the host and re-encrypts; the memory is freed private.
    @Test func rescindClosesTheChannelAndFreesPrivateMemory() {
        let ops: [Operation] = [.vmbusOffer(netvsc, legacyHost: false), .vmbusOpen(channel: 0), .vmbusRescind(channel: 0)]
        let g = guest(ops)
        #expect(g.channels[0].rescinded && g.channels[0].state == .closed)
        #expect(g.system.blocks.allSatisfy { !$0.live })
        #expect(run(ops + [.vmbusOpen(channel: 0)]).violations.isEmpty)
    }
}

@Suite struct VmbusPacketTests {
    let open: [Operation] = [
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
        let ops: [Operation] = [
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
        let ops: [Operation] = [
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
        let ops: [Operation] = [
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

@Suite struct ConfidentialVmbusTests {
    let ops: [Operation] = [
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
