import BouncerKernel
import BouncerKernelDiff
import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

extension KernelTests {
    /// swiotlb's areas in the real 6.12 code, booted with the shim's `num_possible_cpus()` and
    /// `swiotlb=128,<areas>`, its `raw_smp_processor_id()` moved by `migrateToCpu`, and the model
    /// beside it (`SwiotlbAreaTests`).
    @Suite struct SwiotlbAreas {
        /// Every boot configuration the format names sizes the default pool and its areas as the
        /// model does (`swiotlb_init_remap()`), at the same place.
        @Test(arguments: SwiotlbBoot.all)
        func theKernelSizesTheDefaultPoolAsTheModelDoes(_ boot: SwiotlbBoot) throws {
            let g = try KernelGuest(platform: .tdx, boot: boot)
            let pool = try #require(g.defaultPool), areas = try #require(g.defaultPoolAreas)
            let model = DmaLayer(platform: .tdx, behaviours: KernelDiff.profile.behaviours, boot: boot).swiotlbPools[0]
            #expect(pool.start == model.start)
            #expect(pool.slots == model.slots.count)
            #expect(areas.count == model.nareas)
            #expect(areas.slots == model.areaNslabs)
        }

        /// Two possible CPUs, two areas: 6.12 starts CPU 1's search in area 1 (slot 128), CPU 0's
        /// in area 0, each at its own index.
        @Test func theKernelStartsEachCpusSearchInItsArea() throws {
            let g = try KernelGuest(platform: .tdx, boot: SwiotlbBoot.all[1])
            let dev = try g.addDevice()
            let pool = try #require(g.defaultPool)
            let buffer = try #require(g.allocBuffer(pages: 1))
            func slot() -> Int? { g.mapSingle(device: dev, phys: buffer, size: 2048, .toDevice).map { Int(($0 - pool.start) >> 11) } }
            #expect(slot() == 0)
            #expect(g.migrateToCpu(1))
            #expect(slot() == 128)
            #expect(slot() == 129)
            #expect(g.migrateToCpu(0))
            #expect(slot() == 1)
            #expect(!g.migrateToCpu(2))
        }

        /// A restored snapshot brings back the CPU and the areas' indexes and counts (the shim's
        /// state and swiotlb's area array), as fuzz-kernel relies on for every input.
        @Test func aRestoredSnapshotIsBackOnCpuZeroWithEmptyAreas() throws {
            let g = try KernelGuest(platform: .tdx, boot: SwiotlbBoot.all[1])
            let dev = try g.addDevice()
            let pool = try #require(g.defaultPool)
            let buffer = try #require(g.allocBuffer(pages: 1))
            #expect(g.saveSnapshot())
            #expect(g.migrateToCpu(1))
            #expect(g.mapSingle(device: dev, phys: buffer, size: 2048, .toDevice) == pool.start + 128 * 2048)
            #expect(g.restoreSnapshot())
            #expect(g.mapSingle(device: dev, phys: buffer, size: 2048, .toDevice) == pool.start)
            #expect(g.migrateToCpu(1))
            #expect(g.mapSingle(device: dev, phys: buffer, size: 2048, .toDevice) == pool.start + 128 * 2048)
        }

        /// With area 1 full, 6.12 sends CPU 1's next search to area 0.
        @Test func theKernelMovesOnWhenTheCpusAreaIsFull() throws {
            let g = try KernelGuest(platform: .tdx, boot: SwiotlbBoot.all[1])
            let dev = try g.addDevice()
            let pool = try #require(g.defaultPool)
            let big = try #require(g.allocBuffer(pages: 64)), small = try #require(g.allocBuffer(pages: 1))
            #expect(g.migrateToCpu(1))
            #expect(g.mapSingle(device: dev, phys: big, size: 128 * 2048, .toDevice) == pool.start + 128 * 2048)
            #expect(g.mapSingle(device: dev, phys: small, size: 2048, .toDevice) == pool.start)
        }

        /// A scenario that boots two areas and moves the driver between CPUs runs alike on both
        /// sides, compared at every step; its mapping on CPU 1 is in area 1.
        @Test func aMultiAreaScenarioAgreesWithTheKernel() throws {
            let scenario = Scenario(
                platform: .tdx, boot: SwiotlbBoot.all[1],
                operations: [
                    .probeDevice(DeviceConfig()), .kmalloc(size: 4096, zone: .normal), .kmalloc(size: 6000, zone: .normal),
                    .mapBuffer(device: 0, buffer: 0, offset: 0, size: 4096, direction: .toDevice, skipCpuSync: false),
                    .migrateToCpu(cpu: 1),
                    .mapBuffer(device: 0, buffer: 1, offset: 0, size: 6000, direction: .bidirectional, skipCpuSync: false),
                    .migrateToCpu(cpu: 0), .unmap(mapping: 1, skipCpuSync: false),
                    .mapBuffer(device: 0, buffer: 1, offset: 0, size: 6000, direction: .toDevice, skipCpuSync: false),
                ])
            let report = try KernelDiff.run(scenario, tracing: true)
            #expect(report.divergence == nil, "\(report.divergence.map { "\($0)" } ?? "")")
            #expect(report.outOfScope == nil)
            #expect(report.compared == scenario.operations.count)
            let slot128 = hex(GuestMemory.base(of: Zone.dma32.rawValue) + 128 * 2048)
            #expect(report.trace.contains { $0.contains("-> mapping 1, dma") && $0.contains("slot \(slot128)") }, "\(report.trace)")
        }
    }
}
