import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// What `dma_alloc_pages()` hands its caller for a block from an atomic pool (issue 16): the
/// block's page since 94a04ad732c9; from 5b138c534fda (v5.10) until then the pool's CPU address,
/// which `dma_direct_alloc_pages()` returned as its `struct page *`.
@Suite struct AllocPagesPoolReturnTests {
    /// A non-blocking `dma_alloc_pages()` for a device that needs shared memory: an atomic pool's.
    let alloc: [GuestOperation] = [.probeDevice(untrusted), .dmaAllocPages(device: 0, size: 4096, blocking: false)]

    @Test func theCpuAddressAsAPageIsNotThePageTheDeviceIsGiven() throws {
        for platform in [PlatformKind.tdx, .sevSnp, .sevSnpVtom, .cca] {
            let r = run(alloc, on: platform, profile("atomic-pool-alloc-pages-2026"))
            let v = try #require(r.firstViolation, "\(platform)")
            #expect(v.invariant == .dataIntegrity && v.site == .coherentHandout && v.step == 1, "\(platform): \(r.violations)")
            #expect(v.findingClass == .contractBreak && v.detail.contains("no page of guest memory"), "\(v)")
        }
    }

    @Test func theBlocksOwnPageIsThePageTheDeviceIsGiven() {
        // The platforms whose non-blocking dma_alloc_pages() takes an atomic pool's block and that
        // have no open finding on it (pKVM's are known ones).
        for platform in [PlatformKind.tdx, .sevSnp, .sevSnpVtom, .cca] {
            #expect(run(alloc + [.freeCoherent(coherent: 0)], on: platform).violations.isEmpty, "\(platform)")
        }
    }

    @Test func onlyAnAtomicPoolBlockIsHandedOutAsItsCpuAddress() {
        let bug = profile("atomic-pool-alloc-pages-2026")
        // Fresh pages (a blocking request), a device that needs no shared memory, the coherent API,
        // and s390 PV, which has no atomic pools (the allocation fails).
        let blocking: [GuestOperation] = [.probeDevice(untrusted), .dmaAllocPages(device: 0, size: 4096, blocking: true)]
        let coherent: [GuestOperation] = [.probeDevice(untrusted), .allocCoherent(device: 0, size: 4096, blocking: false)]
        #expect(run(blocking, on: .tdx, bug).violations.isEmpty)
        #expect(run(coherent, on: .tdx, bug).violations.isEmpty)
        #expect(run(alloc, on: .nonConfidential, bug).violations.isEmpty)
        #expect(run(alloc, on: .s390Pv, bug).violations.isEmpty)
    }

    @Test func dmaFreePagesGivesTheBlockBackToNoPool() throws {
        var s = system(.tdx, profile("atomic-pool-alloc-pages-2026"))
        let cHandle = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false, pagesApi: true)
        let c = try #require(cHandle)
        #expect(s.coherent[c].callerPhys == nil)
        guard case .atomicPool(let pool) = s.coherent[c].source else {
            Issue.record("\(s.coherent[c].source)")
            return
        }
        let free = s.atomicPools[pool].freePages
        let owners = s.memory.owners
        s.dmaFreeCoherent(c)
        #expect(s.atomicPools[pool].freePages == free)
        #expect(s.memory.owners == owners)
        // The fixed kernel gives the block back.
        var fixed = system(.tdx)
        let fHandle = fixed.dmaAllocCoherent(device: 0, size: 4096, blocking: false, pagesApi: true)
        let f = try #require(fHandle)
        #expect(fixed.coherent[f].callerPhys == fixed.coherent[f].phys)
        fixed.dmaFreeCoherent(f)
        #expect(fixed.atomicPools[pool].freePages == free + 1)
    }

    @Test func theCallersWritesReachNoPageOfGuestMemory() throws {
        var s = system(.tdx, profile("atomic-pool-alloc-pages-2026"))
        let cHandle = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false, pagesApi: true)
        let c = try #require(cHandle)
        s.beginStep()
        s.cpuWriteCoherent(c, offset: 0, size: 64)
        // No byte written, no page reached through any alias.
        #expect(s.events.isEmpty, "\(s.events)")
    }
}
