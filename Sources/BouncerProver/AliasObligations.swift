import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import SMT

/// The kernel virtual mappings of coherent memory and the atomic pools' pages under
/// `CONFIG_DMA_DIRECT_REMAP`: what `dma_direct_alloc()` and `dma_direct_free_pages()` decide, and
/// what `dma_direct_alloc_pages()` hands its caller from a pool.
extension PolicyQuery {
    /// CONF-ALIAS broken: a coherent allocation from fresh pages is handed out with a CPU alias
    /// whose attribute is not the pages' state (their linear map follows the conversion; a vmap
    /// alias keeps its pgprot), on a platform whose page tables carry the attribute. A failed
    /// decryption hands nothing out.
    var breaksConfAlias: Term {
        guard platform.kind.pageTablesCarryEncryptionAttribute else { return z.boolean(value: false) }
        let onPages = z.and([z.not(remap.fromAtomicPool), z.not(alloc.fromRestrictedPool)])
        return z.and([p.confidential, onPages, z.not(d.same(d.cpuAliasDecrypted(remap), remap.decryptPages))])
    }

    /// SAFE-LIFECYCLE broken: a `dma_alloc_pages()` page from an atomic pool, freed, is not found in
    /// its pool, so it goes to the page allocator while the pool still lists it.
    var breaksSafeLifecycleByFreePages: Term {
        guard platform.config.coherentPool else { return z.boolean(value: false) }
        return z.and([alloc.fromAtomicPool, z.not(d.dmaFreePagesFindsPool(p, b))])
    }

    /// DATA-INTEGRITY broken: a `dma_alloc_pages()` block from an atomic pool is handed to the
    /// device while its caller gets something other than the block's page (the pool's CPU
    /// address, 5b138c534fda until 94a04ad732c9).
    var breaksDataIntegrityByPoolPage: Term {
        guard platform.config.coherentPool else { return z.boolean(value: false) }
        return z.and([alloc.fromAtomicPool, z.not(d.dmaDirectAllocPagesGetsPoolPage(b))])
    }

    /// `operations` on the query's platform after probing the witness's device, then after
    /// probing a plain one.
    func onWitnessThenPlainDevice(_ m: Model, _ operations: [GuestOperation]) -> [Scenario] {
        [dev.config(m), DeviceConfig()].map { Scenario(platform: platform.kind, operations: [.probeDevice($0)] + operations) }
    }
}

extension Obligation {
    static let aliases: [Obligation] = [
        query(
            "POLICY-CONF-ALIAS",
            "The CPU alias dma_direct_alloc() returns (the linear map, or a remap's vmap alias) has the encryption attribute of the pages it maps.",
            protects: .confAlias, breaks: { $0.breaksConfAlias }
        ) { q, m in
            [
                Scenario(platform: q.platform.kind, operations: [
                    .probeDevice(q.dev.config(m)), .archSetupDmaOps(device: 0, coherent: m.boolean(q.coherentDevice)),
                    .allocCoherent(device: 0, size: 4096, blocking: m.boolean(q.blocking)),
                ]),
            ]
        },
        query(
            "POLICY-POOL-FREE-PAGES",
            "A page dma_alloc_pages() took from an atomic pool goes back to that pool when freed, never to the page allocator.",
            protects: .safeLifecycle, breaks: { $0.breaksSafeLifecycleByFreePages }
        ) { q, m in q.onWitnessThenPlainDevice(m, [.dmaAllocPages(device: 0, size: 4096, blocking: false), .freeCoherent(coherent: 0)]) },
        query(
            "POLICY-POOL-PAGE",
            "The page dma_alloc_pages() hands its caller from an atomic pool is the page whose DMA address the device is given.",
            protects: .dataIntegrity, breaks: { $0.breaksDataIntegrityByPoolPage }
        ) { q, m in q.onWitnessThenPlainDevice(m, [.dmaAllocPages(device: 0, size: 4096, blocking: false)]) },
    ]
}
