import BouncerKernel
import BouncerModel
import BouncerPolicy
import Testing

extension KernelTests {
    /// The real `dma_alloc_attrs` / `dma_free_attrs` of the build's tree (6.12): mapping.c into
    /// dma-direct and the atomic pools, measured through the shim.
    @Suite struct Coherent {
        let page = Int(GuestMemory.pageSize)

        func pages(from phys: UInt64, count: Int) -> [UInt64] {
            (0 ..< count).map { phys + UInt64($0) * GuestMemory.pageSize }
        }

        @Test func aBlockingAllocationOnAnEncryptedGuestDecryptsItsPagesAndFreeReencryptsAndFreesThem() throws {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            let (phys, dma) = try #require(g.allocCoherent(device: dev, size: 2 * page))
            // TDX keeps the shared bit out of DMA addresses.
            #expect(dma == phys)
            #expect(pages(from: phys, count: 2).allSatisfy { g.pageState(phys: $0) == .decrypted && !g.pageIsFree(phys: $0) })
            #expect(g.events.contains(.decrypted(phys: phys, pages: 2, converted: 2, result: 0)))
            g.clearEvents()
            g.freeCoherent(device: dev, size: 2 * page, phys: phys, dma: dma)
            #expect(pages(from: phys, count: 2).allSatisfy { g.pageState(phys: $0) == .encrypted && g.pageIsFree(phys: $0) })
            #expect(g.events.contains(.encrypted(phys: phys, pages: 2, converted: 2, result: 0)))
            #expect(g.events.contains(.pagesFreed(phys: phys, pages: 2)))
        }

        /// `dma_set_encrypted` failing in `dma_direct_free`: the pages are leaked, never handed back
        /// to the page allocator while the host may still see them.
        @Test func aFailedReencryptionOnFreeLeaksThePages() throws {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            let (phys, dma) = try #require(g.allocCoherent(device: dev, size: 2 * page))
            g.failConversion(afterPages: 1)
            g.clearEvents()
            g.freeCoherent(device: dev, size: 2 * page, phys: phys, dma: dma)
            #expect(g.pageState(phys: phys) == .encrypted)
            #expect(g.pageState(phys: phys + GuestMemory.pageSize) == .unknown)
            #expect(!g.pageIsFree(phys: phys) && !g.pageIsFree(phys: phys + GuestMemory.pageSize))
            #expect(g.events.contains(.encrypted(phys: phys, pages: 2, converted: 1, result: -5)))
            #expect(!g.events.contains { if case .pagesFreed = $0 { true } else { false } })
        }

        /// `dma_set_decrypted` failing in `dma_direct_alloc` (`out_leak_pages`): the allocation fails
        /// and its pages stay taken.
        @Test func aFailedDecryptionOnAllocFailsTheAllocationAndLeaksThePages() throws {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            g.failConversion(afterPages: 0)
            g.clearEvents()
            #expect(g.allocCoherent(device: dev, size: page) == nil)
            let taken = g.events.compactMap { if case .pagesAllocated(let phys, _) = $0 { phys } else { nil } }
            let phys = try #require(taken.first)
            #expect(!g.pageIsFree(phys: phys))
            #expect(g.pageState(phys: phys) == .unknown)
            #expect(g.events.contains(.allocCoherent(device: dev, phys: nil, dma: nil, size: page)))
        }

        /// A caller that cannot sleep gets memory from the already decrypted atomic pool, and the
        /// pool schedules its own expansion once it holds less than its initial size.
        @Test func anAtomicAllocationComesFromTheDecryptedAtomicPoolAndSchedulesItsExpansion() throws {
            let g = try KernelGuest(platform: .tdx)
            let dev = try g.addDevice()
            let normal = GuestMemory.base(of: Zone.normal.rawValue)
            g.clearEvents()
            let (phys, dma) = try #require(g.allocCoherent(device: dev, size: page, atomic: true))
            // The kernel pool (GFP_KERNEL, ZONE_NORMAL) is the first allocated at boot.
            #expect(phys >= normal && phys < normal + UInt64(AtomicPool.chunkPages) * GuestMemory.pageSize)
            #expect(dma == phys)
            #expect(g.pageState(phys: phys) == .decrypted)
            #expect(!g.events.contains { if case .decrypted = $0 { true } else { false } })
            #expect(g.events.contains(.workQueued))
            g.clearEvents()
            #expect(g.runWork() == 1)
            #expect(g.events.contains(.decrypted(phys: normal + UInt64(AtomicPool.chunkPages) * GuestMemory.pageSize,
                pages: AtomicPool.chunkPages, converted: AtomicPool.chunkPages, result: 0)))
            g.clearEvents()
            g.freeCoherent(device: dev, size: page, phys: phys, dma: dma)
            // Back to the pool: no conversion, and the page allocator does not get it.
            #expect(g.pageState(phys: phys) == .decrypted && !g.pageIsFree(phys: phys))
            #expect(!g.events.contains { if case .encrypted = $0 { true } else { false } })
        }

        /// `phys_to_dma_direct`: a decrypted coherent buffer's handle has no SEV C-bit.
        @Test func aCoherentHandleOnSevSnpIsUnencrypted() throws {
            let g = try KernelGuest(platform: .sevSnp)
            let dev = try g.addDevice()
            let (phys, dma) = try #require(g.allocCoherent(device: dev, size: page))
            #expect(dma == phys)
            #expect(dma & Platform(.sevSnp).dmaEncryptedMask == 0)
            #expect(g.pageState(phys: phys) == .decrypted)
        }

        @Test func aNormalGuestNeitherConvertsNorUsesTheAtomicPool() throws {
            let g = try KernelGuest(platform: .nonConfidential)
            let dev = try g.addDevice()
            g.clearEvents()
            let (phys, _) = try #require(g.allocCoherent(device: dev, size: page, atomic: true))
            #expect(g.pageState(phys: phys) == .encrypted)
            #expect(!g.events.contains(.workQueued))
            #expect(!g.events.contains { if case .decrypted = $0 { true } else { false } })
        }
    }
}
