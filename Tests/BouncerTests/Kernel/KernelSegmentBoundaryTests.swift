import BouncerKernel
import BouncerKernelDiff
import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

extension KernelTests {
    /// The device's segment boundary in the real 6.12 `swiotlb_search_pool_area()`, through the
    /// shim's `dma_set_seg_boundary()`, and the model beside it.
    @Suite struct SegmentBoundarySearch {
        /// The slot of the default pool a bounce of `size` bytes lands in, on a TDX guest whose
        /// device has boundary `mask` (0: none set) and already holds a 40 KiB bounce.
        func secondSlot(mask: UInt64, size: Int) throws -> Int? {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            if mask != 0 { g.setSegmentBoundary(device: dev, mask: mask) }
            let pool = try #require(g.defaultPool)
            let first = try #require(g.allocBuffer(pages: 10)), second = try #require(g.allocBuffer(pages: 8))
            let dma = try #require(g.mapSingle(device: dev, phys: first, size: 40 * 1024, .toDevice))
            #expect(dma == pool.start)
            return g.mapSingle(device: dev, phys: second, size: size, .toDevice).map { Int(($0 - pool.start) >> 11) }
        }

        /// 6.12 passes over the runs from slot 20 that would cross the 64 KiB boundary at slot 32,
        /// as the model does (`SegmentBoundaryTests`); without the boundary it takes slot 20.
        @Test func theKernelMovesABounceOffTheBoundaryAsTheModelDoes() throws {
            #expect(try secondSlot(mask: 0xFFFF, size: 32 * 1024) == 32)
            #expect(try secondSlot(mask: 0, size: 32 * 1024) == 20)
        }

        /// Under a one-slot boundary 6.12 refuses a two-slot bounce and maps a one-slot one.
        @Test func aOneSlotBoundaryRefusesALongerBounceInTheKernel() throws {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            g.setSegmentBoundary(device: dev, mask: 0x7FF)
            let buffer = try #require(g.allocBuffer(pages: 1))
            #expect(g.mapSingle(device: dev, phys: buffer, size: 4096, .toDevice) == nil)
            #expect(g.mapSingle(device: dev, phys: buffer, size: 2048, .toDevice) == g.defaultPool?.start)
        }

        /// The seed with a boundary runs alike on both sides, compared at every step.
        @Test func theBoundarySeedAgreesWithTheKernel() throws {
            let scenario = try #require(SeedScenarios.dma.first { $0.name == "swiotlb-segment-boundary-tdx" }?.scenario)
            let report = try KernelDiff.run(scenario, tracing: true)
            #expect(report.divergence == nil, "\(report.divergence.map { "\($0)" } ?? "")")
            #expect(report.outOfScope == nil)
            #expect(report.compared == scenario.operations.count)
            // The default pool starts the DMA32 zone (KernelTests.Swiotlb); slot 32 is 64 KiB in.
            let slot = hex(GuestMemory.base(of: Zone.dma32.rawValue) + 0x10000)
            #expect(report.trace.contains { $0.contains("-> mapping 1, dma") && $0.contains("slot \(slot)") }, "\(report.trace)")
        }
    }
}
