import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import SMT

/// The transports' decisions, over an unknown offer, feature set, length and failure, on every
/// platform: the same generic functions the model's VMBus, virtio and NVMe drivers call.
extension Obligation {
    static let transports: [Obligation] = [
        Obligation(
            id: "POLICY-VIRTIO-BOUNCE",
            statement: "Where virtio memory access is restricted, a virtio device the guest accepts is driven through the DMA API.",
            protects: .confBounce
        ) { profile, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let z = d.z
                let p = PlatformTerms(d, platform), b = BehaviourTerms(d, profile.behaviours)
                let version1 = z.boolean("VIRTIO_F_VERSION_1"), accessPlatform = z.boolean("VIRTIO_F_ACCESS_PLATFORM")
                let swiotlb = z.and(z.boolean("VIRTIO_F_SWIOTLB offered"), b.virtioSwiotlb)
                let ok = d.virtioFeaturesOk(p, version1: version1, accessPlatform: accessPlatform, swiotlbRegion: swiotlb, b)
                let dmaApi = d.vringUseDmaApi(accessPlatform: accessPlatform, swiotlbRegion: swiotlb, b)
                return (z.and([p.restrictedVirtioMemoryAccess, ok, z.not(dmaApi)]), { m in
                    [("negotiated", features(m, version1, accessPlatform, swiotlb).description),
                     ("virtio_features_ok", "accepts"), ("vring_use_dma_api", "false")]
                }, { m in
                    replaying(.confBounce, profile, [Scenario(platform: platform.kind, operations: [
                        .virtioProbe(transport: .pci, features: features(m, version1, accessPlatform, swiotlb)),
                    ])])
                })
            }
        },
        Obligation(
            id: "POLICY-VMBUS-TRUSTED",
            statement: "A Confidential VMBus device with co_external_memory is accepted as trusted, so its DMA is never bounced.",
            protects: .confTrusted
        ) { profile, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let b = BehaviourTerms(d, profile.behaviours)
                let accepted = d.vmbusDeviceAccepted(coExternalMemory: d.constant(true), b)
                return (d.z.and(PlatformTerms(d, platform).confidential, d.z.not(accepted)), { _ in
                    [("offer", "co_ring_buffer | co_external_memory"), ("vmbus_device_register", "device not accepted, swiotlb on")]
                }, { _ in
                    replaying(.confTrusted, profile, [Scenario(platform: .tdx, operations: [
                        .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: true), legacyHost: false),
                        .vmbusOpen(channel: 0), .kmalloc(size: 512, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 512),
                        .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice),
                    ])])
                })
            }
        },
        Obligation(
            id: "POLICY-GPADL-FREELIST",
            statement: "A GPADL buffer whose decryption or re-encryption failed, or that the host kept, is leaked, never freed.",
            protects: .confFreelist
        ) { profile, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let b = BehaviourTerms(d, profile.behaviours)
                return (d.z.and(PlatformTerms(d, platform).confidential, d.z.not(d.gpadlLeaksAfterFailure(b))), { _ in
                    [("gpadl->decrypted", "still set"), ("then", "pages freed")]
                }, { _ in
                    replaying(.confFreelist, profile, [Scenario(platform: .tdx, operations: [
                        .vmbusOffer(VmbusOffer(deviceClass: .storvsc), legacyHost: false), .failNextConversion(afterPages: 1),
                        .vmbusOpen(channel: 0),
                    ])])
                })
            }
        },
        Obligation(
            id: "POLICY-VIRTIO-USED-LEN",
            statement: "A driver consumes a used buffer only up to the length it posted, whatever length the device reports.",
            protects: .safeHostInput
        ) { profile, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let z = d.z
                let b = BehaviourTerms(d, profile.behaviours)
                let length = z.word("used.len"), bufferLength = z.word("posted length")
                let accepted = d.virtioUsedLengthAccepted(length: length, bufferLength: bufferLength, b)
                return (z.and(accepted, d.lessThan(bufferLength, length)), { m in
                    [("posted length", "\(m.word(bufferLength))"), ("used.len", "\(m.word(length))"), ("driver", "consumes used.len")]
                }, { _ in
                    replaying(.safeHostInput, profile, [Scenario(platform: .tdx, operations: [
                        .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]), .kmalloc(size: 2048, zone: .normal),
                        .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: true),
                        .virtioHostUsed(virtio: 0, id: 0, length: 9000),
                    ])])
                })
            }
        },
        Obligation(
            id: "POLICY-VMBUS-INBOUND",
            statement: "VMBus drivers parse inbound packets from the guest's private copy, so no host-written field is fetched twice.",
            protects: .safeHostInput
        ) { profile, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let b = BehaviourTerms(d, profile.behaviours)
                return (d.z.not(d.vmbusParsesPrivateCopy(b)), { _ in [("hv_pkt_iter_first", "packet parsed in the ring")] }, { _ in
                    replaying(.safeHostInput, profile, [Scenario(platform: .tdx, operations: [
                        .vmbusOffer(VmbusOffer(deviceClass: .storvsc), legacyHost: false), .vmbusOpen(channel: 0),
                        .kmalloc(size: 512, zone: .normal),
                        .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice),
                        .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 60000),
                    ])])
                })
            }
        },
    ]
}

/// The features a model chose, as the device would offer them.
func features(_ m: Model, _ version1: Term, _ accessPlatform: Term, _ swiotlb: Term) -> VirtioFeatures {
    var f: VirtioFeatures = []
    if m.boolean(version1) { f.insert(.version1) }
    if m.boolean(accessPlatform) { f.insert(.accessPlatform) }
    if m.boolean(swiotlb) { f.insert(.swiotlb) }
    return f
}
