import BouncerModel
import BouncerPolicy
import BouncerTransports

/// Hand-written transport stories for the vmbus, virtio, passthrough and system seed corpora, each
/// clean under `linux-upstream`.
extension SeedScenarios {
    /// Two buffers posted on TDX; the device points descriptor 0 at buffer 1's bounce slot and
    /// marks it used. Clean where the driver unmaps from `desc_extra` (72b5e8958738); the seed,
    /// POLICY-VIRTIO-DMA-METADATA's replay and VirtioDescriptorTests all start from it.
    public static let virtioDescriptorRewritten: [GuestOperation] = [
        .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]),
        .kmalloc(size: 512, zone: .normal), .kmalloc(size: 512, zone: .normal),
        .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 512, deviceWrites: true),
        .virtioAddBuffer(virtio: 0, buffer: 1, offset: 0, size: 512, deviceWrites: false),
        .virtioHostDescriptor(virtio: 0, id: 0, mapping: 1, offset: 0, length: 512, deviceWrites: true),
        .virtioHostUsed(virtio: 0, id: 0, length: 512),
    ]

    static let netvscLifecycle: [GuestOperation] = [
        .vmbusOffer(VmbusOffer(deviceClass: .netvsc), legacyHost: false), .vmbusOpen(channel: 0),
        .kmalloc(size: 1500, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 1500),
        .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 1500, direction: .toDevice),
        .kmalloc(size: 9000, zone: .normal), .cpuWrite(buffer: 1, offset: 0, size: 9000),
        .vmbusSend(channel: 0, buffer: 1, offset: 0, size: 9000, direction: .toDevice),
        .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 64),
        .netvscHostReceive(channel: 0, offset: 0, length: 1500, rewrittenLength: 1500),
        .netvscHostReceive(channel: 0, offset: 12288, length: 4000, rewrittenLength: 4000),
        .vmbusClose(channel: 0),
    ]

    public static let vmbus: [(name: String, scenario: Scenario)] = [
        ("netvsc-open-send-receive-close-tdx", Scenario(platform: .tdx, operations: netvscLifecycle)),
        ("storvsc-read-write-sev-snp", Scenario(platform: .sevSnp, operations: [
            .vmbusOffer(VmbusOffer(deviceClass: .storvsc), legacyHost: false), .vmbusOpen(channel: 0),
            .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 4096),
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .toDevice),
            .kmalloc(size: 8192, zone: .normal),
            .vmbusSend(channel: 0, buffer: 1, offset: 0, size: 8192, direction: .fromDevice),
            .deviceWrite(mapping: 1, offset: 0, size: 8192),
            .vmbusHostCompletion(channel: 0, requestId: 2, length: 64, rewrittenLength: 64),
            .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 64),
            .vmbusClose(channel: 0),
        ])),
        ("confidential-vmbus-external-memory-tdx", Scenario(platform: .tdx, operations: [
            .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: true), legacyHost: false),
            .vmbusOffer(VmbusOffer(deviceClass: .netvsc, coRingBuffer: true), legacyHost: false),
            .vmbusOpen(channel: 0), .vmbusOpen(channel: 1),
            .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 4096),
            .vmbusSend(channel: 0, buffer: 0, offset: 0, size: 4096, direction: .bidirectional),
            .vmbusSend(channel: 1, buffer: 0, offset: 0, size: 4096, direction: .toDevice),
            .vmbusHostCompletion(channel: 0, requestId: 1, length: 64, rewrittenLength: 64),
            .vmbusClose(channel: 0), .vmbusClose(channel: 1),
        ])),
        ("gpadl-failures-and-rescind-sev-snp-vtom", Scenario(platform: .sevSnpVtom, operations: [
            .vmbusOffer(VmbusOffer(deviceClass: .netvsc), legacyHost: false),
            .failNextConversion(afterPages: 1), .vmbusOpen(channel: 0),
            .hostFailNextGpadl, .vmbusOpen(channel: 0),
            .vmbusOpen(channel: 0), .failNextConversion(afterPages: 2), .vmbusClose(channel: 0),
            .vmbusOpen(channel: 0), .vmbusRescind(channel: 0),
            .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: true, coExternalMemory: false), legacyHost: true),
        ])),
    ]

    public static let virtio: [(name: String, scenario: Scenario)] = [
        ("virtio-blk-request-tdx", Scenario(platform: .tdx, operations: [
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]),
            .kmalloc(size: 16, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 16),
            .kmalloc(size: 4096, zone: .normal), .kmalloc(size: 1, zone: .normal),
            .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 16, deviceWrites: false),
            .virtioAddBuffer(virtio: 0, buffer: 1, offset: 0, size: 4096, deviceWrites: true),
            .virtioAddBuffer(virtio: 0, buffer: 2, offset: 0, size: 1, deviceWrites: true),
            .virtioHostUsed(virtio: 0, id: 0, length: 0),
            .virtioHostUsed(virtio: 0, id: 1, length: 4096),
            .virtioHostUsed(virtio: 0, id: 2, length: 1),
            .virtioReset(virtio: 0),
        ])),
        ("virtio-net-rx-hostile-lengths-sev-snp", Scenario(platform: .sevSnp, operations: [
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]),
            .kmalloc(size: 1536, zone: .normal), .kmalloc(size: 1536, zone: .normal),
            .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 1536, deviceWrites: true),
            .virtioAddBuffer(virtio: 0, buffer: 1, offset: 0, size: 1536, deviceWrites: true),
            .virtioHostUsed(virtio: 0, id: 1, length: 9000),
            .virtioHostUsed(virtio: 0, id: 0, length: 60),
            .virtioHostUsed(virtio: 0, id: 7, length: 60),
        ])),
        ("virtio-refused-without-access-platform-s390-pv", Scenario(platform: .s390Pv, operations: [
            .virtioProbe(transport: .pci, features: [.version1]),
            .virtioProbe(transport: .pci, features: [.accessPlatform]),
            .virtioProbe(transport: .mmioRestricted, features: [.version1, .accessPlatform]),
            .kmalloc(size: 512, zone: .normal),
            .virtioAddBuffer(virtio: 2, buffer: 0, offset: 0, size: 512, deviceWrites: false),
            .virtioHostUsed(virtio: 2, id: 0, length: 0),
        ])),
        ("virtio-swiotlb-feature-offered-tdx", Scenario(platform: .tdx, operations: [
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform, .swiotlb]),
            .kmalloc(size: 2048, zone: .normal),
            .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: true),
            .virtioHostUsed(virtio: 0, id: 0, length: 2048),
        ])),
        ("virtio-before-and-after-secure-mode-pseries", Scenario(platform: .pseriesSvm, operations: [
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]),
            .kmalloc(size: 512, zone: .normal),
            .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 512, deviceWrites: true),
            .virtioHostUsed(virtio: 0, id: 0, length: 512),
            .virtioReset(virtio: 0),
            .enterSecureMode,
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]),
            .virtioAddBuffer(virtio: 1, buffer: 0, offset: 0, size: 512, deviceWrites: false),
        ])),
        // The device points a posted descriptor at another buffer's bounce slot before using it;
        // the driver unmaps from desc_extra (72b5e8958738), so nothing follows the ring.
        ("virtio-descriptor-rewritten-tdx", Scenario(platform: .tdx, operations: virtioDescriptorRewritten + [
            .virtioHostUsed(virtio: 0, id: 1, length: 0),
        ])),
    ]

    public static let passthrough: [(name: String, scenario: Scenario)] = [
        ("nvme-untrusted-io-tdx", Scenario(platform: .tdx, operations: [
            .nvmeProbe(tdisp: false), .kmalloc(size: 8192, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 8192),
            .nvmeSubmit(nvme: 0, buffer: 0, offset: 0x200, size: 4096, deviceWrites: false),
            .nvmeSubmit(nvme: 0, buffer: 0, offset: 0x1200, size: 4096, deviceWrites: true),
            .nvmeHostComplete(nvme: 0, commandId: 1, length: 4096),
            .nvmeHostComplete(nvme: 0, commandId: 6, length: 0),
            .nvmeHostComplete(nvme: 0, commandId: 0, length: 0),
            .nvmeRemove(nvme: 0),
        ])),
        ("nvme-tdisp-private-io-cca", Scenario(platform: .cca, operations: [
            .nvmeProbe(tdisp: true), .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 4096),
            .nvmeSubmit(nvme: 0, buffer: 0, offset: 0, size: 4096, deviceWrites: true),
            .nvmeHostComplete(nvme: 0, commandId: 0, length: 4096),
            .nvmeRemove(nvme: 0),
        ])),
    ]

    public static let system: [(name: String, scenario: Scenario)] = [
        ("mixed-transports-hostile-host-tdx", Scenario(platform: .tdx, operations: netvscLifecycle + [
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]), .nvmeProbe(tdisp: true),
            .nvmeProbe(tdisp: false), .probeDevice(DeviceConfig(dmaMaskBits: 32)),
            .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 2, offset: 0, size: 4096),
            .virtioAddBuffer(virtio: 0, buffer: 2, offset: 0, size: 4096, deviceWrites: true),
            .nvmeSubmit(nvme: 0, buffer: 2, offset: 0, size: 2048, deviceWrites: false),
            .nvmeSubmit(nvme: 1, buffer: 2, offset: 2048, size: 2048, deviceWrites: false),
            .mapBuffer(device: 4, buffer: 2, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
            .failNextConversion(afterPages: 0), .allocCoherent(device: 4, size: 8192, blocking: false),
            .virtioHostUsed(virtio: 0, id: 0, length: 100),
            .nvmeHostComplete(nvme: 1, commandId: 0, length: 0), .nvmeHostComplete(nvme: 0, commandId: 0, length: 0),
            .unbind(device: 4), .virtioReset(virtio: 0), .nvmeRemove(nvme: 0), .nvmeRemove(nvme: 1),
        ])),
        ("pseries-transition-then-every-transport", Scenario(platform: .pseriesSvm, operations: [
            .probeDevice(DeviceConfig()), .kmalloc(size: 2048, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 2048, direction: .bidirectional, skipCpuSync: false),
            .unmap(mapping: 0, skipCpuSync: false),
            .enterSecureMode,
            .virtioProbe(transport: .mmioRestricted, features: [.version1, .accessPlatform]),
            .nvmeProbe(tdisp: false),
            .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: false),
            .nvmeSubmit(nvme: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: true),
            .nvmeHostComplete(nvme: 0, commandId: 0, length: 2048),
            .virtioHostUsed(virtio: 0, id: 0, length: 0),
        ])),
    ]

    /// The seeds of a fuzz target: its own stories, and for system every story there is.
    public static func seeds(for target: FuzzTarget) -> [(name: String, scenario: Scenario)] {
        switch target {
        case .dma: dma
        case .vmbus: vmbus
        case .virtio: virtio
        case .passthrough: passthrough
        case .system: system + vmbus + virtio + passthrough
        }
    }
}
