import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import SMT

/// The transports' decisions, over an unknown offer, feature set, length and failure, on every
/// platform: the predicates `PolicyQuery` states once for the proofs and `bouncer diff`, over the
/// same generic functions the model's VMBus, virtio and NVMe drivers call.
extension Obligation {
    static let transports: [Obligation] = [
        query(
            "POLICY-VIRTIO-BOUNCE", "Where virtio memory access is restricted, a virtio device the guest accepts is driven through the DMA API.",
            protects: .confBounce, breaks: { q in q.z.and(q.p.restrictedVirtioMemoryAccess, q.breaksConfBounceByVirtio) },
            describe: { q, m in
                [("device offers", q.offeredFeatures(m).description), ("virtio_features_ok", "accepts"), ("vring_use_dma_api", "false")]
            }
        ) { q, m in [Scenario(platform: q.platform.kind, operations: [.virtioProbe(transport: .pci, features: q.offeredFeatures(m))])] },
        query(
            "POLICY-VMBUS-TRUSTED", "A Confidential VMBus device with co_external_memory is accepted as trusted, so its DMA is never bounced.",
            protects: .confTrusted, breaks: { $0.breaksConfTrustedByVmbus },
            describe: { _, _ in
                [("offer", "co_ring_buffer | co_external_memory"), ("vmbus_device_register", "device not accepted, swiotlb on")]
            }
        ) { _, _ in
            [Scenario(platform: .tdx, operations: [
                .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: true), legacyHost: false),
                .vmbusOpen(channel: 0), .kmalloc(size: 512, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 512),
                .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice),
            ])]
        },
        query(
            "POLICY-GPADL-FREELIST", "A GPADL buffer whose decryption or re-encryption failed, or that the host kept, is leaked, never freed.",
            protects: .confFreelist, breaks: { $0.breaksConfFreelistByGpadl },
            describe: { _, _ in [("gpadl->decrypted", "still set"), ("then", "pages freed")] }
        ) { _, _ in
            [Scenario(platform: .tdx, operations: [
                .vmbusOffer(VmbusOffer(deviceClass: .storvsc), legacyHost: false), .failNextConversion(afterPages: 1), .vmbusOpen(channel: 0),
            ])]
        },
        query(
            "POLICY-VIRTIO-USED-LEN", "A driver consumes a used buffer only up to the length it posted, whatever length the device reports.",
            protects: .safeHostInput, breaks: { $0.breaksSafeHostInputByUsedLength },
            describe: { q, m in
                [("posted length", "\(m.word(q.postedLength))"), ("used.len", "\(m.word(q.usedLength))"), ("driver", "consumes used.len")]
            }
        ) { _, _ in
            [Scenario(platform: .tdx, operations: [
                .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]), .kmalloc(size: 2048, zone: .normal),
                .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: true),
                .virtioHostUsed(virtio: 0, id: 0, length: 9000),
            ])]
        },
        query(
            "POLICY-VMBUS-INBOUND", "VMBus drivers parse inbound packets from the guest's private copy, so no host-written field is fetched twice.",
            protects: .safeHostInput, breaks: { $0.breaksSafeHostInputByInbound },
            describe: { _, _ in [("hv_pkt_iter_first", "packet parsed in the ring")] }
        ) { _, _ in
            [Scenario(platform: .tdx, operations: [
                .vmbusOffer(VmbusOffer(deviceClass: .storvsc), legacyHost: false), .vmbusOpen(channel: 0),
                .kmalloc(size: 512, zone: .normal),
                .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice),
                .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 60000),
            ])]
        },
        query(
            "POLICY-VIRTIO-DMA-METADATA",
            "A virtio driver unmaps a used buffer with the address, length and direction the DMA API gave it, whatever the device wrote into the descriptor ring.",
            protects: .safeHostInput, breaks: { $0.breaksSafeHostInputByRingMetadata },
            describe: { q, m in
                [("posted", "\(hex(m.word(q.postedDma))), len \(m.word(q.postedLength)), write \(m.boolean(q.postedWrites))"),
                 ("vring.desc", "\(hex(m.word(q.ringDma))), len \(m.word(q.ringLength)), write \(m.boolean(q.ringWrites))"),
                 ("vring_unmap_one_split", "unmaps what vring.desc says")]
            }
        ) { _, _ in [Scenario(platform: .tdx, operations: SeedScenarios.virtioDescriptorRewritten)] },
    ]
}

extension PolicyQuery {
    var virtioSwiotlbRegion: Term { d.virtioNegotiatesSwiotlb(offered: virtioSwiotlbOffered, b) }
    var virtioAccepted: Term {
        d.virtioFeaturesOk(p, version1: virtioVersion1, accessPlatform: virtioAccessPlatform, swiotlbRegion: virtioSwiotlbRegion, b)
    }
    var virtioDmaApi: Term { d.vringUseDmaApi(accessPlatform: virtioAccessPlatform, swiotlbRegion: virtioSwiotlbRegion) }
    var vmbusAccepted: Term { d.vmbusDeviceAccepted(coExternalMemory: coExternalMemory, b) }
    /// The offer makes a device at all (`vmbusOfferValid`), on any host version.
    var vmbusOfferValid: Term {
        d.vmbusOfferValid(
            coRingBuffer: coRingBuffer, coExternalMemory: coExternalMemory,
            confidentialConnection: z.and(z.boolean(value: platform.confidentialVmbus), z.not(vmbusLegacyHost)))
    }

    var usedAccepted: Term { d.virtioUsedLengthAccepted(length: usedLength, bufferLength: postedLength, b) }

    /// What the transports' decisions break: a virtio device driven by guest-physical address, a
    /// `co_external_memory` device not accepted (so bounced), GPADL memory freed after a failed
    /// conversion, a packet parsed in the ring, a used length consumed past the buffer.
    var breaksConfBounceByVirtio: Term { z.and([p.confidential, virtioAccepted, z.not(virtioDmaApi)]) }
    var breaksConfTrustedByVmbus: Term { z.and([p.confidential, vmbusOfferValid, coExternalMemory, z.not(vmbusAccepted)]) }
    var breaksConfFreelistByGpadl: Term { z.and(p.confidential, z.not(d.gpadlLeaksAfterFailure(b))) }
    var breaksSafeHostInputByInbound: Term { z.not(d.vmbusParsesPrivateCopy(b)) }
    var breaksSafeHostInputByUsedLength: Term { z.and(usedAccepted, d.lessThan(postedLength, usedLength)) }
    /// `vring_unmap_one_split()` unmaps with something other than what the DMA API returned for
    /// the buffer: the device's rewrite of the descriptor reached `dma_unmap_page()`.
    var breaksSafeHostInputByRingMetadata: Term {
        z.or([
            z.not(d.equal(d.virtioUnmapAddress(recorded: postedDma, ring: ringDma, b), postedDma)),
            z.not(d.equal(d.virtioUnmapLength(recorded: postedLength, ring: ringLength, b), postedLength)),
            z.not(d.same(d.virtioUnmapDeviceWrites(recorded: postedWrites, ring: ringWrites, b), postedWrites)),
        ])
    }

    /// The features a model's virtio device offers.
    func offeredFeatures(_ m: Model) -> VirtioFeatures {
        var f: VirtioFeatures = []
        if m.boolean(virtioVersion1) { f.insert(.version1) }
        if m.boolean(virtioAccessPlatform) { f.insert(.accessPlatform) }
        if m.boolean(virtioSwiotlbOffered) { f.insert(.swiotlb) }
        return f
    }
}
