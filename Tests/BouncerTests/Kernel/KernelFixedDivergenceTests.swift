import BouncerKernelDiff
import BouncerModel
import BouncerRunner
import Testing

extension KernelTests {
    /// What fuzz-kernel found and the model now does as 6.12 does.
    @Suite struct FixedDivergences {
        static let cases: [(String, Scenario)] = [
            // dma_coherent_ok() on the atomic pool's first fit: the DMA32 pool lies above a 1 GiB
            // bus limit, so the allocation comes from the DMA pool.
            ("atomic pool beyond the bus limit", Scenario(platform: .tdx, operations: [
                .probeDevice(DeviceConfig(dmaMaskBits: 33, busDmaLimit: 0x3FFF_FFFF, swiotlbDisabled: true)),
                .allocCoherent(device: 0, size: 257, blocking: false),
            ])),
            // gen_pool_first_fit_order_align(): an 8 KiB allocation starts on an 8 KiB boundary.
            ("order-aligned atomic allocations", Scenario(platform: .tdx, operations: [
                .probeDevice(DeviceConfig()), .allocCoherent(device: 0, size: 257, blocking: false),
                .allocCoherent(device: 0, size: 8192, blocking: false),
            ])),
            // __dma_direct_alloc_pages(): 12 KiB takes a 16 KiB block, all of it leaked when the
            // decryption fails.
            ("get_order() block leaked whole", Scenario(platform: .tdx, operations: [
                .probeDevice(DeviceConfig()), .failNextConversion(afterPages: 1),
                .allocCoherent(device: 0, size: 12288, blocking: true),
            ])),
            // atomic_pool_work_fn() runs only when queued, and grows a pool by its size.
            ("atomic pool work only when queued", Scenario(platform: .tdx, operations: [
                .probeDevice(DeviceConfig()), .failNextConversion(afterPages: 1),
                .allocCoherent(device: 0, size: 45, blocking: false), .runDeferredWork, .runDeferredWork,
            ])),
            // dma_direct_map_page() refuses a buffer an untrusted device without swiotlb cannot
            // reach (the overflow warning) before anything is handed over: the kernel-side oracle
            // disclosed the bytes anyway, so a later bounce of them for a trusted device was
            // CONF-PRIVATE in the model only (a kernel-campaign finding on TDX).
            ("a map refused up front discloses nothing", Scenario(platform: .tdx, operations: [
                .probeDevice(DeviceConfig(dmaMaskBits: 32, swiotlbDisabled: true)),
                .probeDevice(DeviceConfig(trusted: true, forceBounce: true)),
                .kmalloc(size: 512, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 512),
                .mapBuffer(device: 0, buffer: 0, offset: 0, size: 256, direction: .fromDevice, skipCpuSync: false),
                .mapBuffer(device: 1, buffer: 0, offset: 0, size: 96, direction: .toDevice, skipCpuSync: false),
            ])),
        ]

        @Test(arguments: cases.map(\.0))
        func theModelAgreesWithTheKernel(_ name: String) throws {
            let scenario = try #require(Self.cases.first { $0.0 == name }?.1)
            let report = try KernelDiff.run(scenario)
            #expect(report.divergence == nil, "\(report.divergence.map { "\($0)" } ?? "")")
            #expect(report.compared == scenario.operations.count)
        }
    }
}
