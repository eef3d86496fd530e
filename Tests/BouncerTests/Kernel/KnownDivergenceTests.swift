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
        static let directory = "\(packageRoot)/Corpus/kernel-divergences"

        @Test(arguments: KnownDivergence.all.map(\.id))
        func theReproducerShowsTheKnownDivergence(_ id: String) throws {
            let path = "\(Self.directory)/\(id).bounce"
            let bytes = try #require(FileManager.default.contents(atPath: path), "no reproducer at \(path)")
            let report = try KernelDiff.run(ScenarioCodec.decode([UInt8](bytes), target: .dma))
            #expect(report.divergence == nil)
            #expect(report.outOfScope?.reason.known == id)
        }

        /// The reproducers are exactly the known divergences' (none is left, so none is there):
        /// a fixed divergence takes its reproducer along.
        @Test func everyReproducerIsAKnownDivergences() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: Self.directory)) ?? []
            #expect(Set(files) == Set(KnownDivergence.all.map { "\($0.id).bounce" }))
        }
    }
}
