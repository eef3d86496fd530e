import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

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
        let ops: [GuestOperation] = [.vmbusOffer(storvsc, legacyHost: false), .failNextConversion(afterPages: 2), .vmbusOpen(channel: 0)]
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
        let ops: [GuestOperation] = [
            .vmbusOffer(netvsc, legacyHost: false), .vmbusOpen(channel: 0), .failNextConversion(afterPages: 1), .vmbusClose(channel: 0),
        ]
        #expect(run(ops).violations.isEmpty)
        let g = guest(ops)
        #expect(g.system.memory.owners[g.system.blocks[0].firstPage] == .leaked(.reencryptFailed))
        #expect(run(ops, profile("hv-gpadl-free-2024")).firstViolation?.invariant == .confFreelist)
    }

    /// A host that refuses the GPADL: the guest re-encrypts on the error path and frees private pages.
    @Test func refusedGpadlIsReencryptedAndFreed() {
        let ops: [GuestOperation] = [.vmbusOffer(storvsc, legacyHost: false), .hostFailNextGpadl, .vmbusOpen(channel: 0)]
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
        let ops: [GuestOperation] = [.vmbusOffer(netvsc, legacyHost: false), .vmbusOpen(channel: 0), .vmbusRescind(channel: 0)]
        let g = guest(ops)
        #expect(g.channels[0].rescinded && g.channels[0].state == .closed)
        #expect(g.system.blocks.allSatisfy { !$0.live })
        #expect(run(ops + [.vmbusOpen(channel: 0)]).violations.isEmpty)
    }
}
