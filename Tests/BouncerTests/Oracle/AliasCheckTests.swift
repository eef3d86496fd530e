@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// CONF-ALIAS judges each CPU access against the state its page had at that point of the step,
/// as the oracle's own record of the page states follows the step's conversions, not against the
/// state the step ended with.
@Suite struct AliasCheckTests {
    /// Whether a step's events have an access to `page` and, after it, a conversion of the page:
    /// the shape the narrowed check (0725f45) passed over without judging.
    static func convertedAfterAccess(_ events: [Event], page: Int) -> Bool {
        guard let access = events.firstIndex(where: {
            if case let .cpuAccessed(lo, hi, _) = $0 { return lo.page.raw <= page && page <= ByteIndex(hi.raw - 1).page.raw }
            return false
        }) else { return false }
        return events[(access + 1)...].contains {
            if case let .converted(pages, _, _) = $0 { return pages.contains(PageNumber(page)) }
            return false
        }
    }

    /// A booted system with a kmalloc buffer of `pages` pages, the buffer's address and first
    /// page, and an oracle from that boot; the system is in a fresh step.
    static func bufferInAStep(_ platform: PlatformKind, pages: Int = 1) throws -> (DmaLayer, phys: UInt64, page: Int, Oracle) {
        var s = system(platform)
        let made = s.kmalloc(size: UInt32(pages * 4096))
        let b = try #require(made)
        let page = try #require(GuestMemory.page(ofPhys: s.buffers[b].phys))
        let oracle = Oracle(booted: s)
        s.beginStep()
        return (s, s.buffers[b].phys, page, oracle)
    }

    @Test func aMismatchingAliasIsReportedWhenTheSameStepLaterReencryptsAndFreesThePage() throws {
        // A shared coherent page written through an alias without pgprot_decrypted, then freed
        // (re-encrypted) in the same step: the step ends with a private page under an encrypted
        // alias, so neither the step's end state nor a check that skips later-converted pages sees it.
        var s = system(.tdx)
        let cMade = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)
        let c = try #require(cMade)
        let page = try #require(GuestMemory.page(ofPhys: s.coherent[c].phys))
        var oracle = Oracle(booted: s)
        s.beginStep()
        s.coherent[c].alias = KernelAlias(.vmap, decrypted: false)
        s.cpuWriteCoherent(c, offset: 0, size: 64)
        s.dmaFreeCoherent(c)
        #expect(s.memory.states[page] == .encrypted)
        #expect(Self.convertedAfterAccess(s.events, page: page))
        let violations = oracle.check(s, step: 0)
        #expect(violations.map(\.invariant) == [.confAlias], "\(violations)")
        #expect(violations.first?.detail.contains("to a shared page") == true, "\(violations)")
    }

    @Test func aDecryptedAliasOfAPrivatePageIsReportedWhenTheSameStepLaterDecryptsThePage() throws {
        var (s, phys, page, oracle) = try Self.bufferInAStep(.cca)
        s.cpuAccess(phys: phys, size: 64, through: KernelAlias(.linearMap, decrypted: true))
        s.setMemoryDecrypted(page ..< page + 1)
        #expect(s.memory.states[page] == .decrypted)
        let violations = oracle.check(s, step: 0)
        #expect(violations.contains { $0.invariant == .confAlias && $0.detail.contains("to a private page") }, "\(violations)")
    }

    @Test func anAccessAfterTheStepsConversionIsJudgedAgainstTheConvertedState() throws {
        // The NVMe probe's shape: decrypt, zero through the decrypted linear map, re-encrypt.
        var (s, phys, page, oracle) = try Self.bufferInAStep(.cca)
        s.setMemoryDecrypted(page ..< page + 1)
        s.cpuAccess(phys: phys, size: 4096, through: KernelAlias(.linearMap, decrypted: true))
        s.setMemoryEncrypted(page ..< page + 1)
        let violations = oracle.check(s, step: 0)
        #expect(!violations.contains { $0.invariant == .confAlias }, "\(violations)")
    }

    @Test func aConversionTheHostFailsLeavesItsFailedPageUnknownAndThePagesAfterItAsTheyWere() throws {
        var (s, base, first, oracle) = try Self.bufferInAStep(.tdx, pages: 3)
        s.armConversionFault(ConversionFault(afterPages: 1))
        s.setMemoryDecrypted(first ..< first + 3)
        // Decrypted, unknown, private, each met through the alias that matches it where one does.
        s.cpuAccess(phys: base, size: 8, through: KernelAlias(.linearMap, decrypted: true))
        s.cpuAccess(phys: base + 2 * 4096, size: 8, through: KernelAlias(.linearMap, decrypted: false))
        #expect(oracle.check(s, step: 0).filter { $0.invariant == .confAlias }.isEmpty)
        s.beginStep()
        s.cpuAccess(phys: base + 4096, size: 8, through: KernelAlias(.linearMap, decrypted: true))
        let violations = oracle.check(s, step: 1)
        #expect(violations.map(\.invariant) == [.confAlias], "\(violations)")
        #expect(violations.first?.page == first + 1 && violations.first?.detail.contains("unknown page") == true, "\(violations)")
    }

    @Test func anOracleWithoutABootJudgesNoAlias() throws {
        var s = system(.tdx)
        let cMade = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)
        let c = try #require(cMade)
        var oracle = Oracle()
        s.beginStep()
        s.coherent[c].alias = KernelAlias(.vmap, decrypted: false)
        s.cpuWriteCoherent(c, offset: 0, size: 8)
        #expect(oracle.check(s, step: 0).isEmpty)
    }

    @Test func theNvmeProbeThatFreesItsFirstQueueReencryptedIsClean() throws {
        // Corpus/passthrough: CI's smoke on cca met an NVMe probe that zeroes its submission
        // queue through the decrypted linear map and frees it, re-encrypted, when the completion
        // queue cannot be had. The access met a shared page: no CONF-ALIAS, although the page is
        // converted again later in the same step.
        let bytes = try #require(readFile("\(packageRoot)/Corpus/passthrough/nvme-probe-frees-first-queue-cca.bounce"))
        let scenario = ScenarioCodec.decode(bytes, target: .passthrough)
        #expect(scenario.platform == .cca)
        #expect(Runner.runPastKnown(scenario, profile: .linuxUpstream).new == nil)
        var runner = Runner(platform: scenario.platform, profile: .linuxUpstream)
        var metTheShape = false
        for op in scenario.operations {
            let violations = runner.run(op)
            #expect(!violations.contains { $0.invariant == .confAlias }, "\(violations)")
            let accessed = runner.system.events.compactMap { e -> Int? in
                if case let .cpuAccessed(lo, _, alias) = e, alias.decrypted { return lo.page.raw }
                return nil
            }
            if accessed.contains(where: { Self.convertedAfterAccess(runner.system.events, page: $0) }) { metTheShape = true }
        }
        #expect(metTheShape, "no step zeroes a page through a decrypted alias and converts it afterwards")
    }
}
