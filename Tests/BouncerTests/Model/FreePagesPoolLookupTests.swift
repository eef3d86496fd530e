import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// `dma_direct_free_pages()` finding the atomic pool a `dma_alloc_pages()` page came from (issue
/// 16): by `page_address(page)` in v6.12, which under `CONFIG_DMA_DIRECT_REMAP` is not the vmap
/// address the pool's `gen_pool` holds; by physical address since 8a9dc4a028e7.
@Suite struct FreePagesPoolLookupTests {
    /// A non-blocking `dma_alloc_pages()` for a device that needs shared memory comes from an
    /// atomic pool; then it is freed.
    let ops: [GuestOperation] = [
        .probeDevice(untrusted), .dmaAllocPages(device: 0, size: 4096, blocking: false), .freeCoherent(coherent: 0),
    ]

    @Test func underDirectRemapTheLinearMapLookupFreesThePoolsPage() throws {
        // A realm (pKVM needs shared memory only as a CC platform, the series' unmerged patch).
        for name in ["atomic-pool-free-pages-2026", "linux-6.12", "linux-swiotlb-force"] {
            let r = run(ops, on: .cca, profile(name))
            let v = try #require(r.firstViolation, "\(name)")
            #expect(v.invariant == .safeLifecycle && v.site == .freedPage && v.step == 2, "\(name): \(r.violations)")
        }
        let pkvm = upstream {
            $0.pkvmCcPlatform = .ccPlatform
            $0.freePagesPoolLookup = .linearMapAddress
        }
        #expect(run(ops, on: .pkvm, pkvm).violations.contains { $0.invariant == .safeLifecycle && $0.site == .freedPage })
    }

    @Test func byPhysicalAddressOrWithoutRemapThePageGoesBackToThePool() {
        for platform in [PlatformKind.cca, .tdx, .sevSnp] {
            #expect(run(ops, on: platform).violations.isEmpty, "\(platform)")
        }
        for platform in [PlatformKind.tdx, .sevSnp, .sevSnpVtom] {
            #expect(run(ops, on: platform, profile("atomic-pool-free-pages-2026")).violations.isEmpty, "\(platform)")
        }
    }

    @Test func dmaFreeCoherentFindsThePoolByItsOwnAddress() {
        // dma_direct_free() passes the CPU address dma_alloc_coherent() returned, the pool's own.
        let coherent: [GuestOperation] = [
            .probeDevice(untrusted), .allocCoherent(device: 0, size: 4096, blocking: false), .freeCoherent(coherent: 0),
        ]
        #expect(run(coherent, on: .cca, profile("atomic-pool-free-pages-2026")).violations.isEmpty)
    }

    /// What `__free_pages(page, get_order(size))` gives the page allocator when the lookup missed:
    /// at a pool chunk's first page, the one that holds the chunk's reference, the whole block.
    @Test func aMissedPoolPageAtAChunksFirstPageFreesTheWholeGetOrderBlock() throws {
        var s = system(.cca, profile("atomic-pool-free-pages-2026"))
        let cHandle = s.dmaAllocCoherent(device: 0, size: 3 * 4096, blocking: false, pagesApi: true)
        let c = try #require(cHandle)
        guard case .atomicPool(let pool) = s.coherent[c].source else { throw Failure.notFromAPool }
        let first = try #require(GuestMemory.page(ofPhys: s.coherent[c].phys))
        #expect(s.atomicPools[pool].chunks.contains { $0.first == first })
        s.dmaFreeCoherent(c)
        // Three pages asked for, get_order() of four freed.
        for page in first ..< first + 4 { #expect(s.memory.owners[page] == .free, "page \(page)") }
    }

    /// Anywhere else in a chunk the page holds no reference: the count drops below zero and
    /// `__free_pages()` frees the block's upper halves, not the page itself.
    @Test func aMissedPoolPageInsideAChunkFreesAllOfItsBlockButThePage() throws {
        var s = system(.cca, profile("atomic-pool-free-pages-2026"))
        let firstHandle = s.dmaAllocCoherent(device: 0, size: 4096, blocking: false, pagesApi: true)
        _ = try #require(firstHandle)
        let cHandle = s.dmaAllocCoherent(device: 0, size: 2 * 4096, blocking: false, pagesApi: true)
        let c = try #require(cHandle)
        guard case .atomicPool(let pool) = s.coherent[c].source else { throw Failure.notFromAPool }
        let first = try #require(GuestMemory.page(ofPhys: s.coherent[c].phys))
        #expect(!s.atomicPools[pool].chunks.contains { $0.first == first })
        s.dmaFreeCoherent(c)
        #expect(s.memory.owners[first] == .atomicPool(pool))
        #expect(s.memory.owners[first + 1] == .free)
    }

    enum Failure: Error { case notFromAPool }

    @Test func dmaAllocPagesNeverRemaps() {
        var s = system(.cca, profile("dma-direct-remap-decrypt-2026"))
        s.archSetupDmaOps(device: 0, coherent: false)
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true, pagesApi: true)!
        #expect(s.coherent[c].alias == KernelAlias(.linearMap, decrypted: true))
    }
}
