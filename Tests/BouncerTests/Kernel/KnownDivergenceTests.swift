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
    }
}
