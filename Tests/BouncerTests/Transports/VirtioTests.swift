import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

let modern: VirtioFeatures = [.version1, .accessPlatform]

@Suite struct VirtioNegotiationTests {
    /// `virtio_features_ok()` with `virtio_check_mem_acc_cb()` installed (x86 CoCo, s390 PV): no
    /// VERSION_1 or no ACCESS_PLATFORM, no device.
    @Test func restrictedMemoryAccessRefusesDevicesWithoutAccessPlatform() {
        for platform in [PlatformKind.tdx, .sevSnp, .sevSnpVtom, .s390Pv] {
            for features in [VirtioFeatures.version1, [.accessPlatform], []] {
                let g = guest([.virtioProbe(transport: .pci, features: features)], on: platform)
                #expect(g.virtio[0].status == .failed, "\(features) on \(platform)")
            }
            #expect(guest([.virtioProbe(transport: .pci, features: modern)], on: platform).virtio[0].status == .live)
        }
    }

    /// `vring_use_dma_api()`: the ring is coherent DMA memory, shared on a confidential guest.
    @Test func accessPlatformMeansTheDmaApiAndASharedRing() {
        let g = guest([.virtioProbe(transport: .pci, features: modern)])
        #expect(g.virtio[0].useDmaApi)
        guard case .coherent(let c)? = g.virtio[0].queue?.ring else {
            Issue.record("ring not coherent")
            return
        }
        #expect(g.system.coherent[c].shared)
    }

    /// `virtio-no-access-platform`: the device is accepted, the ring and buffers go by private
    /// guest-physical address.
    @Test func acceptingADeviceWithoutAccessPlatformBreaksConfBounce() {
        let ops: [Operation] = [.virtioProbe(transport: .pci, features: .version1)]
        #expect(run(ops).violations.isEmpty)
        #expect(run(ops, profile("virtio-no-access-platform")).firstViolation?.invariant == .confBounce)
    }

    /// The proposed `VIRTIO_F_SWIOTLB`: a device with its own bounce region needs no
    /// ACCESS_PLATFORM; everything bounces through that region.
    @Test func swiotlbFeatureBouncesThroughTheDeviceRegion() {
        let series = upstream { $0.virtioSwiotlb = .bounceRegion }
        let ops: [Operation] = [
            .virtioProbe(transport: .pci, features: [.version1, .swiotlb]), .kmalloc(size: 2048, zone: .normal),
            .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: true),
            .virtioHostUsed(virtio: 0, id: 0, length: 100),
        ]
        #expect(run(ops, series).violations.isEmpty)
        let g = guest(ops, on: .tdx, series)
        #expect(g.virtio[0].status == .live && g.virtio[0].useDmaApi)
        let pool = g.system.mappings[0].bouncePool
        #expect(pool.map { g.system.swiotlbPools[$0].kind == .restricted } == true)
        #expect(guest(ops).virtio[0].status == .failed)
    }

    /// virtio-mmio with a restricted-dma-pool bounces everything through it, ring included.
    @Test func mmioRestrictedPoolServesTheRing() {
        let g = guest([.virtioProbe(transport: .mmioRestricted, features: modern)])
        guard case .coherent(let c)? = g.virtio[0].queue?.ring, case .restrictedPool = g.system.coherent[c].source else {
            Issue.record("ring not in the restricted pool")
            return
        }
    }
}

@Suite struct VirtqueueTests {
    let posted: [Operation] = [
        .virtioProbe(transport: .pci, features: modern), .kmalloc(size: 2048, zone: .normal),
        .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: true),
    ]

    /// `virtqueue_get_buf_ctx_split()`: the device's data comes back through the bounce slot.
    @Test func usedBufferIsUnmappedAndReadBack() {
        let ops = posted + [.virtioHostUsed(virtio: 0, id: 0, length: 1500)]
        #expect(run(ops).violations.isEmpty)
        let g = guest(ops)
        #expect(!g.system.mappings[0].live && g.virtio[0].queue?.heads[0] == nil)
    }

    /// An id out of range, or not a head, is `BAD_RING()`: the queue stops, nothing is unmapped.
    @Test func badIdBreaksTheQueue() {
        for id: UInt32 in [5, 200] {
            let g = guest(posted + [.virtioHostUsed(virtio: 0, id: id, length: 64)])
            #expect(g.virtio[0].queue?.broken == true, "id \(id)")
            #expect(g.system.mappings[0].live)
        }
    }

    /// The driver's own check drops a used length beyond its buffer; `virtio-used-len` trusts it and
    /// copies past the buffer (SAFE-HOSTINPUT).
    @Test func usedLengthBeyondTheBuffer() {
        let ops = posted + [.virtioHostUsed(virtio: 0, id: 0, length: 9000)]
        #expect(run(ops).violations.isEmpty)
        #expect(guest(ops).virtio[0].queue?.droppedBuffers == 1)
        #expect(run(ops, profile("virtio-used-len")).firstViolation?.invariant == .safeHostInput)
    }

    /// `remove_vq_common()`: reset first, then unmap every posted buffer from `desc_extra`, then
    /// free the ring.
    @Test func resetUnmapsWhatIsPostedAndFreesTheRing() {
        let ops = posted + [.virtioReset(virtio: 0)]
        let r = run(ops)
        #expect(r.violations.isEmpty)
        #expect(Runner.run(Scenario(platform: .tdx, operations: ops), profile: .linuxUpstream).violations.isEmpty)
        let g = guest(ops)
        #expect(!g.system.mappings[0].live && g.system.coherent.allSatisfy { !$0.live })
    }
}

/// A finding: arm64 realms, pKVM guests and pseries secure VMs install no
/// `virtio_check_mem_acc_cb()`, so a host that leaves out ACCESS_PLATFORM gets a device the guest
/// drives by private guest-physical address (seed 003 is the pseries side of it).
@Suite struct VirtioAccessPlatformFindingTests {
    @Test func withoutTheCallbackTheGuestHandsOutPrivateAddresses() {
        for platform in [PlatformKind.cca, .pkvm] {
            let v = run([.virtioProbe(transport: .pci, features: .version1)], on: platform).firstViolation
            #expect(v?.invariant == .confBounce, "\(platform)")
        }
        let pseries = run([.virtioProbe(transport: .pci, features: .version1)], on: .pseriesSvm)
        #expect(pseries.firstViolation?.invariant == .confBounce)
    }

    @Test func withAccessPlatformOfferedTheSamePlatformsAreClean() {
        for platform in [PlatformKind.cca, .pkvm] {
            #expect(run([.virtioProbe(transport: .pci, features: modern)], on: platform).violations.isEmpty, "\(platform)")
        }
    }

    /// Seed 003: a device the firmware used before the transition is removed first; the
    /// transition waits for it.
    @Test func secureModeWaitsForLiveVirtqueues() {
        let r = run(
            [.virtioProbe(transport: .pci, features: .version1), .enterSecureMode], on: .pseriesSvm,
            profile("pseries-late-secure-seed003"))
        #expect(r.trace.last?.contains("skipped") == true)
    }
}
