import BouncerModel
import BouncerPolicy

/// Hand-written scenarios that the corpus generator encodes as fuzz seeds: each a small story a
/// driver tells the DMA layer, clean under `linux-upstream`.
public enum SeedScenarios {
    public static let dma: [(name: String, scenario: Scenario)] = [
        ("streaming-tx-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 1500, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 1500),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1500, direction: .toDevice, skipCpuSync: false),
            .unmap(mapping: 0, skipCpuSync: false),
            .kfree(buffer: 0),
        ])),
        ("streaming-rx-partial-sync-sev-snp", Scenario(platform: .sevSnp, operations: [
            .probeDevice(DeviceConfig(dmaMaskBits: 32)),
            .kmalloc(size: 2048, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 2048, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 0, offset: 0, size: 600),
            .syncForCpu(mapping: 0, offset: 0, size: 600),
            .syncForDevice(mapping: 0, offset: 0, size: 600),
            .deviceWrite(mapping: 0, offset: 600, size: 900),
            .unmap(mapping: 0, skipCpuSync: false),
        ])),
        ("nvme-min-align-bidirectional-cca", Scenario(platform: .cca, operations: [
            .probeDevice(DeviceConfig(minAlignMask: 0xFFF)),
            .kmalloc(size: 9000, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 9000),
            .mapBuffer(device: 0, buffer: 0, offset: 0x234, size: 5000, direction: .bidirectional, skipCpuSync: false),
            .deviceWrite(mapping: 0, offset: 4000, size: 1000),
            .syncForCpu(mapping: 0, offset: 2500, size: 2500),
            .unmap(mapping: 0, skipCpuSync: false),
        ])),
        ("coherent-ring-and-shared-remap-vtom", Scenario(platform: .sevSnpVtom, operations: [
            .probeDevice(DeviceConfig()),
            .allocCoherent(device: 0, size: 16384, blocking: true),
            .cpuWriteCoherent(coherent: 0, offset: 0, size: 256),
            .mapCoherent(coherent: 0, offset: 4096, size: 8192, direction: .bidirectional),
            .unmap(mapping: 0, skipCpuSync: false),
            .freeCoherent(coherent: 0),
        ])),
        ("atomic-pool-and-refill-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig()),
            .allocCoherent(device: 0, size: 8192, blocking: false),
            .allocCoherent(device: 0, size: 8192, blocking: false),
            .allocCoherent(device: 0, size: 16384, blocking: false),
            .runDeferredWork,
            .freeCoherent(coherent: 0),
            .freeCoherent(coherent: 1),
        ])),
        ("scatterlist-three-buffers-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 512, zone: .normal),
            .kmalloc(size: 4096, zone: .normal),
            .kmalloc(size: 200, zone: .dma32),
            .cpuWrite(buffer: 1, offset: 0, size: 4096),
            .mapSg(device: 0, buffers: [0, 1, 2], direction: .toDevice),
            .unmapSg(scatterlist: 0),
        ])),
        ("swiotlb-exhaustion-transient-and-growth-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 60000, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 60000, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 60000, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 60000, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 60000, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 60000, direction: .toDevice, skipCpuSync: false),
            .unmap(mapping: 4, skipCpuSync: false),
            .runDeferredWork,
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 60000, direction: .toDevice, skipCpuSync: false),
        ])),
        ("host-fails-conversions-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig()),
            .failNextConversion(afterPages: 1),
            .allocCoherent(device: 0, size: 12288, blocking: true),
            .allocCoherent(device: 0, size: 4096, blocking: true),
            .failNextConversion(afterPages: 0),
            .freeCoherent(coherent: 0),
        ])),
        ("trusted-and-untrusted-side-by-side-cca", Scenario(platform: .cca, operations: [
            .probeDevice(DeviceConfig(trusted: true)),
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 4096, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 4096),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 2048, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 1, buffer: 0, offset: 2048, size: 2048, direction: .toDevice, skipCpuSync: false),
            .allocCoherent(device: 0, size: 4096, blocking: false),
            .unbind(device: 0),
            .unbind(device: 1),
        ])),
        ("restricted-dma-pool-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig(restrictedPool: true)),
            .allocCoherent(device: 0, size: 8192, blocking: true),
            .kmalloc(size: 1024, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1024, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 0, offset: 0, size: 1024),
            .unmap(mapping: 0, skipCpuSync: false),
            .freeCoherent(coherent: 0),
        ])),
        ("pseries-turns-secure-with-device-in-use", Scenario(platform: .pseriesSvm, operations: [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 2048, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 2048, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 0, offset: 0, size: 2048),
            .unmap(mapping: 0, skipCpuSync: false),
            .enterSecureMode,
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 2048, direction: .toDevice, skipCpuSync: false),
            .unmap(mapping: 1, skipCpuSync: false),
        ])),
        ("small-mask-and-mmio-none", Scenario(platform: .nonConfidential, operations: [
            .probeDevice(DeviceConfig(dmaMaskBits: 32, busDmaLimit: 0xFFFF_FFFF, dmaRangeOffset: 0x1000_0000)),
            .kmalloc(size: 4096, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 4096, direction: .bidirectional, skipCpuSync: false),
            .mapResource(device: 0, size: 4096),
            .deviceWrite(mapping: 0, offset: 0, size: 100),
            .unmap(mapping: 0, skipCpuSync: false),
        ])),
        // A block driver's read into two buffers through one scatterlist, synced before the CPU
        // looks and handed back for the next read (version 3's `dma_sync_sg_*`).
        ("scatterlist-rx-sync-sg-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 512, zone: .normal),
            .kmalloc(size: 4096, zone: .normal),
            .mapSg(device: 0, buffers: [0, 1], direction: .fromDevice),
            .deviceWrite(mapping: 0, offset: 0, size: 512),
            .deviceWrite(mapping: 1, offset: 0, size: 2048),
            .syncSgForCpu(scatterlist: 0),
            .syncSgForDevice(scatterlist: 0),
            .deviceWrite(mapping: 1, offset: 2048, size: 2048),
            .unmapSg(scatterlist: 0),
        ])),
        // A realm's device that is not DMA-coherent: a remapped coherent buffer (the vmap alias of
        // decrypted pages), an atomic one from the remapped pool, and dma_alloc_pages() pages
        // given back to their pool (version 6's `archSetupDmaOps`, `dmaAllocPages`).
        ("noncoherent-remap-and-pages-cca", Scenario(platform: .cca, operations: [
            .probeDevice(DeviceConfig()),
            .archSetupDmaOps(device: 0, coherent: false),
            .allocCoherent(device: 0, size: 8192, blocking: true),
            .cpuWriteCoherent(coherent: 0, offset: 0, size: 256),
            .allocCoherent(device: 0, size: 4096, blocking: false),
            .dmaAllocPages(device: 0, size: 4096, blocking: false),
            .freeCoherent(coherent: 2),
            .freeCoherent(coherent: 1),
            .freeCoherent(coherent: 0),
        ])),
        // A device that cannot cross 64 KiB (version 7's `dma_set_seg_boundary()`): the second
        // bounce would run from slot 20 over the boundary at slot 32, so swiotlb places it at 32.
        ("swiotlb-segment-boundary-tdx", Scenario(platform: .tdx, operations: [
            .probeDevice(DeviceConfig()),
            .dmaSetSegBoundary(device: 0, mask: 0xFFFF),
            .kmalloc(size: 40960, zone: .normal),
            .kmalloc(size: 32768, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 40960),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 40960, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 1, offset: 0, size: 32768, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 1, offset: 0, size: 4096),
            .unmap(mapping: 1, skipCpuSync: false),
            .unmap(mapping: 0, skipCpuSync: false),
        ])),
        // Four possible CPUs with `swiotlb=128,2` (version 8's boot byte): a 256-slot default pool
        // of two areas. CPU 0 bounces in area 0; moved to CPU 3 (`migrateToCpu`), the driver's
        // next bounce starts area 1's search (slot 128), and its unmap from CPU 0 gives the slots
        // back to area 1.
        ("swiotlb-areas-four-cpus-sev-snp", Scenario(platform: .sevSnp, boot: SwiotlbBoot.all[5], operations: [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 3000, zone: .normal),
            .kmalloc(size: 8192, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 3000),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 3000, direction: .toDevice, skipCpuSync: false),
            .migrateToCpu(cpu: 3),
            .mapBuffer(device: 0, buffer: 1, offset: 0, size: 8192, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 1, offset: 0, size: 4096),
            .migrateToCpu(cpu: 0),
            .unmap(mapping: 1, skipCpuSync: false),
            .unmap(mapping: 0, skipCpuSync: false),
        ])),
        // Two possible CPUs, two areas: on CPU 1 four 64 KiB bounces (32 page-aligned slots each)
        // fill area 1 (slots 128 to 255), and the next bounce on CPU 1 moves on to area 0, slot 0.
        ("swiotlb-areas-full-area-tdx", Scenario(platform: .tdx, boot: SwiotlbBoot.all[1], operations: [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 65535, zone: .normal),
            .kmalloc(size: 2048, zone: .normal),
            .migrateToCpu(cpu: 1),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 65535, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 65535, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 65535, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 65535, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 1, offset: 0, size: 2048, direction: .bidirectional, skipCpuSync: false),
            .deviceWrite(mapping: 4, offset: 0, size: 2048),
            .unmap(mapping: 4, skipCpuSync: false),
            .unmap(mapping: 3, skipCpuSync: false),
        ])),
    ]
}
