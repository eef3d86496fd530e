import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

/// The trace says each step in the kernel's words, where a handle says more than the bytes.
@Suite struct TraceLineTests {
    @Test func freeingADmaAllocPagesAllocationIsDmaFreePages() {
        for blocking in [false, true] {
            let r = run([
                .probeDevice(untrusted), .dmaAllocPages(device: 0, size: 4096, blocking: blocking), .freeCoherent(coherent: 0),
            ])
            #expect(r.trace.count == 3 && r.trace[2] == "2: dma_free_pages(coherent 0)", "\(r.trace)")
        }
        let coherent = run([.probeDevice(untrusted), .allocCoherent(device: 0, size: 4096, blocking: false), .freeCoherent(coherent: 0)])
        #expect(coherent.trace.count == 3 && coherent.trace[2] == "2: dma_free_coherent(coherent 0)", "\(coherent.trace)")
    }

    @Test func aPoolCpuAddressHandedOutAsAPageIsSaidSo() {
        let r = run([.probeDevice(untrusted), .dmaAllocPages(device: 0, size: 4096, blocking: false)], on: .tdx, profile("atomic-pool-alloc-pages-2026"))
        #expect(r.trace.count == 2 && r.trace[1].hasSuffix("(the caller got the pool's CPU address as its struct page)"), "\(r.trace)")
    }
}
