import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

@Suite struct NvmePassthroughTests {
    func io(tdisp: Bool) -> [GuestOperation] {
        [
            .nvmeProbe(tdisp: tdisp), .kmalloc(size: 4096, zone: .normal), .cpuWrite(buffer: 0, offset: 0, size: 4096),
            .nvmeSubmit(nvme: 0, buffer: 0, offset: 0, size: 4096, deviceWrites: false),
            .nvmeSubmit(nvme: 0, buffer: 0, offset: 0, size: 512, deviceWrites: true),
            .nvmeHostComplete(nvme: 0, commandId: 1, length: 512),
            .nvmeHostComplete(nvme: 0, commandId: 0, length: 0),
            .nvmeRemove(nvme: 0),
        ]
    }

    /// An untrusted controller: queues decrypted, every transfer bounced.
    @Test func untrustedControllerIsAlwaysBounced() {
        let g = guest(io(tdisp: false))
        #expect(g.system.coherent.allSatisfy { $0.shared })
        #expect(g.system.mappings.allSatisfy { $0.bouncePool != nil })
        #expect(run(io(tdisp: false)).violations.isEmpty)
    }

    /// A TDISP-accepted controller: private queues, private DMA, never bounced.
    @Test func tdispControllerUsesPrivateMemory() {
        let g = guest(io(tdisp: true))
        #expect(g.system.coherent.allSatisfy { !$0.shared })
        #expect(g.system.mappings.allSatisfy { $0.bouncePool == nil })
        #expect(run(io(tdisp: true)).violations.isEmpty)
        #expect(run(io(tdisp: true), profile("linux-swiotlb-force")).firstViolation?.invariant == .confTrusted)
    }

    /// `nvme_find_rq()`: a command id that names nothing outstanding is ignored.
    @Test func invalidCommandIdIsIgnored() {
        let ops = Array(io(tdisp: false).prefix(4)) + [.nvmeHostComplete(nvme: 0, commandId: 5, length: 64)]
        let g = guest(ops)
        #expect(g.nvme[0].invalidCompletions == 1 && g.system.mappings[0].live)
    }
}
