@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// Page conservation (`PageConservation`): the oracle's own ledger of pages, kept from the events,
/// accounts for every page: free, held by a live object that holds it, or leaked with a reason.
/// No correct model loses a page, so the pages are lost by hand here; `Oracle()` (no ledger) is
/// what the accounting did before, and passes every one of these states.
@Suite struct PageConservationTests {
    /// A booted TDX guest, its oracle, and the page range of atomic pool 0's first chunk.
    static func booted() -> (DmaLayer, Oracle, Range<Int>) {
        let s = system()
        let chunk = s.atomicPools[0].chunks[0]
        return (s, Oracle(booted: s), chunk.first ..< chunk.first + chunk.count)
    }

    @Test func aBootedGuestAccountsForEveryPage() {
        for kind in PlatformKind.allCases {
            let s = system(kind)
            #expect(Oracle(booted: s).checkAccounting(s, step: 0).isEmpty, "\(kind)")
        }
    }

    /// The case: an atomic pool's pages in none of its chunks, neither freed nor leaked.
    @Test func aPoolPageInNoChunkIsLostAtTheEnd() throws {
        let (booted, oracle, pages) = Self.booted()
        var s = booted
        s.atomicPools[0].chunks.removeFirst()
        #expect(Oracle().checkAccounting(s, step: 5).isEmpty, "the accounting by object kinds passes it")
        let v = try #require(oracle.checkAccounting(s, step: 5).first)
        #expect(v.invariant == .safeLifecycle && v.site == .pageConservation && v.step == 5)
        #expect(v.location.contains("page \(pages.lowerBound) "), "\(v)")
        #expect(v.detail.contains("in none of the pool's chunks"), "\(v)")
        #expect(v.findingClass == .contractBreak)
    }

    /// The step that takes pages for a pool and drops them (as `atomic_pool_expand()` would if it
    /// returned without adding the chunk, freeing or leaking it) is reported at that step.
    @Test func aStepThatTakesPagesAndDropsThemIsReportedThere() throws {
        var (s, oracle, _) = Self.booted()
        let free = try #require(s.memory.findFreePages(4, highest: .normal))
        s.beginStep()
        s.takePages(free ..< free + 4, .atomicPool(2))
        let v = try #require(oracle.check(s, step: 1).first)
        #expect(v.site == .pageConservation && v.step == 1)
        #expect(v.detail.contains("held by atomic pool 2, in none of the pool's chunks: neither freed nor leaked"), "\(v)")
    }

    /// A step that moves pages two, three or four times: when only the last move leaves a page no
    /// holder accounts for, that page is reported (the check after the step reads the second
    /// move's pages as the router kept them, and a third or later move's again from its event);
    /// when the last move goes to the slab too, nothing is.
    @Test(arguments: [2, 3, 4], [true, false])
    func theLastOfSeveralMovesInAStepIsJudged(_ moves: Int, lastLosesItsPage: Bool) throws {
        var (s, oracle, _) = Self.booted()
        let free = try #require(s.memory.findFreePages(moves, highest: .normal))
        s.beginStep()
        for page in free ..< free + moves - 1 { s.takePages(page ..< page + 1, .slab) }
        let last = free + moves - 1
        s.takePages(last ..< last + 1, lastLosesItsPage ? .atomicPool(2) : .slab)
        let found = oracle.check(s, step: 3)
        guard lastLosesItsPage else {
            #expect(found.isEmpty, "\(found)")
            return
        }
        #expect(found.count == 1, "\(found)")
        let v = try #require(found.first)
        #expect(v.site == .pageConservation && v.step == 3, "\(v)")
        #expect(v.location.contains("page \(last) "), "\(v)")
        #expect(v.detail.contains("held by atomic pool 2, in none of the pool's chunks"), "\(v)")
    }

    @Test func aPageTakenWhileHeldHasTwoHolders() throws {
        var (s, oracle, pages) = Self.booted()
        s.beginStep()
        s.takePages(pages.lowerBound ..< pages.lowerBound + 1, .block(0))
        let v = try #require(oracle.check(s, step: 2).first)
        #expect(v.site == .pageConservation)
        #expect(v.detail.contains("taken by block 0 while atomic pool 0 still holds it"), "\(v)")
    }

    @Test func aPageFreedTwiceIsReported() throws {
        var (s, oracle, _) = Self.booted()
        s.beginStep()
        let handle = s.kmalloc(size: 8192)
        let b = try #require(handle)
        #expect(oracle.check(s, step: 0).isEmpty)
        s.beginStep()
        s.kfree(b)
        #expect(oracle.check(s, step: 1).isEmpty)
        s.beginStep()
        let page = try #require(GuestMemory.page(ofPhys: s.buffers[b].phys))
        s.freePages(page ..< page + 1)
        let v = try #require(oracle.check(s, step: 2).first)
        #expect(v.detail.contains("double free"), "\(v)")
    }

    /// A page whose owner the model changed without an event: the ledger and the model disagree.
    @Test func aPageMovedWithoutAnEventIsReported() throws {
        let (booted, oracle, _) = Self.booted()
        var s = booted
        let free = try #require(s.memory.findFreePages(1, highest: .normal))
        s.memory.setOwner(free ..< free + 1, .slab)
        #expect(Oracle().checkAccounting(s, step: 0).isEmpty)
        let v = try #require(oracle.checkAccounting(s, step: 0).first)
        #expect(v.detail.contains("the model has it held by slab but no event moved it there from free"), "\(v)")
    }

    @Test func aSwiotlbPoolThatIsGoneStillHoldingPagesIsLost() throws {
        let (booted, oracle, _) = Self.booted()
        var s = booted
        s.swiotlbPools[0].live = false
        #expect(Oracle().checkAccounting(s, step: 0).isEmpty)
        let v = try #require(oracle.checkAccounting(s, step: 0).first)
        #expect(v.detail.contains("held by swiotlb pool 0, a swiotlb pool that is gone"), "\(v)")
    }

    /// A restricted-dma-pool whose decryption failed attaches no device but stays reserved
    /// memory: its pages are the reservation's, not lost. A dynamic pool that is gone is another
    /// matter.
    @Test func aReservedRestrictedPoolThatNoDeviceUsesHoldsItsPages() throws {
        let result = run([.failNextConversion(afterPages: 0), .probeDevice(DeviceConfig(restrictedPool: true))])
        #expect(result.violations.filter { $0.site == .pageConservation }.isEmpty, "\(result.violations)")
        var s = system()
        s.probeDevice(DeviceConfig(restrictedPool: true))
        let pool = try #require(s.swiotlbPools.firstIndex { $0.kind == .restricted })
        s.swiotlbPools[pool].live = false
        #expect(Oracle(booted: s).checkAccounting(s, step: 0).isEmpty)
        s.swiotlbPools[0].live = false
        #expect(Oracle(booted: s).checkAccounting(s, step: 0).first?.detail.contains("a swiotlb pool that is gone") == true)
    }

    /// A transient pool borrowing atomic-pool pages and giving them back is a loan, not two holders.
    @Test func aTransientPoolLendsAtomicPoolPages() {
        var (s, oracle, chunk) = Self.booted()
        let pages = chunk.lowerBound ..< chunk.lowerBound + 1
        s.beginStep()
        s.takePages(pages, .swiotlbPool(0))
        s.takePages(pages, .atomicPool(0))
        #expect(oracle.check(s, step: 0).isEmpty)
    }

    /// Every catalogue profile on every platform, over random runs with the transports: no page
    /// is ever unaccounted for, whatever else a profile breaks (the check has no false alarms).
    @Test(arguments: Profile.builtIn)
    func randomRunsConservePages(_ profile: Profile) {
        for kind in PlatformKind.allCases {
            for seed: UInt64 in 1 ... 3 {
                var explorer = RandomExplorer(seed: seed, transports: true)
                var runner = Runner(platform: kind, profile: profile, boot: explorer.boot)
                for _ in 0 ..< 150 {
                    let lost = runner.run(explorer.next(runner.guest)).filter { $0.site == .pageConservation }
                    #expect(lost.isEmpty, "\(profile.name) on \(kind), seed \(seed): \(lost)")
                    if !lost.isEmpty { return }
                }
                let lost = runner.finish().filter { $0.site == .pageConservation }
                #expect(lost.isEmpty, "\(profile.name) on \(kind), seed \(seed), end of run: \(lost)")
            }
        }
    }
}
