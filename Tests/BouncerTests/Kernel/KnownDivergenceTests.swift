import BouncerKernel
import BouncerKernelDiff
import BouncerModel
import BouncerRunner
import Foundation
import Testing

extension KernelTests {
    /// Every known divergence has its reproducer, and the reproducer still shows exactly it: when
    /// the model or the kernel changes so that it no longer does, the entry must go.
    @Suite struct KnownDivergences {
        @Test(arguments: KnownDivergence.all.map(\.id))
        func theReproducerShowsTheKnownDivergence(_ id: String) throws {
            let path = "\(packageRoot)/Corpus/kernel-divergences/\(id).bounce"
            let bytes = try #require(FileManager.default.contents(atPath: path), "no reproducer at \(path)")
            let report = try KernelDiff.run(ScenarioCodec.decode([UInt8](bytes), target: .dma))
            #expect(report.divergence == nil)
            #expect(report.outOfScope?.reason.known == id)
        }

        /// A known divergence stops the comparison where it happens; it is not reported as new.
        @Test func aRefusedMaskStopsTheComparisonAsKnown() throws {
            let ops: [BouncerRunner.GuestOperation] = [
                .probeDevice(DeviceConfig(dmaMaskBits: 20)), .kmalloc(size: 64, zone: .dma),
                .mapBuffer(device: 0, buffer: 0, offset: 0, size: 64, direction: .toDevice, skipCpuSync: false),
            ]
            let report = try KernelDiff.run(Scenario(platform: .tdx, operations: ops))
            #expect(report.divergence == nil)
            #expect(report.outOfScope?.step == 0 && report.outOfScope?.reason.known == "mask-refused")
        }
    }
}
