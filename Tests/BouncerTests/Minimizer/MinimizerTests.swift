import BouncerMinimizer
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

@Suite struct MinimizerTests {
    /// The hand-written minimal sequence of each catalogue profile (InvariantTests), by length.
    static let handWritten: [String: Int] = [
        "cve-2022-0854": 6, "swiotlb-sync-bidi-2022": 7, "cve-2024-35939": 3,
        "dma-direct-reencrypt-2022": 4, "swiotlb-pool-state-2026": 4, "swiotlb-partial-sync": 4, "cve-2024-35814": 4,
        // The transports (VmbusTests, VirtioTests).
        "hv-gpadl-free-2024": 4, "virtio-used-len": 4, "cvmbus-swiotlb": 4, "virtio-no-access-platform": 1,
        // AtomicPoolDecryptFailureTests.
        "atomic-pool-decrypt-free": 4,
        // SAFE-LIFECYCLE in 5: a descriptor pointed past the buffer's own slot, then a reset
        // (what libFuzzer's reproducers minimise to); SAFE-HOSTINPUT in 7 (VirtioDescriptorTests).
        "virtio-ring-unmap-2021": 5,
        // KernelAliasTests: a device, not DMA-coherent, and a blocking allocation for it.
        "dma-direct-remap-decrypt-2026": 3,
        // KernelAliasTests: a device, a non-blocking dma_alloc_pages() and its free.
        "atomic-pool-free-pages-2026": 3,
        // AllocPagesPoolReturnTests: a device and a non-blocking dma_alloc_pages().
        "atomic-pool-alloc-pages-2026": 2,
    ]
    /// A bug only some platforms have is looked for on one of them (`CONFIG_DMA_DIRECT_REMAP`: arm64).
    static let platform: [String: PlatformKind] = [
        "atomic-pool-decrypt-free": .cca, "dma-direct-remap-decrypt-2026": .cca, "atomic-pool-free-pages-2026": .cca,
    ]
    /// A bug whose one operation the explorer rarely draws after 150 steps gets more seeds:
    /// virtio-no-access-platform breaks at the probe, and the explorer stops probing virtio
    /// devices once four exist, which a run of 150 steps usually reaches: a few of the first 200
    /// seeds find it.
    static let seeds: [String: Int] = ["virtio-no-access-platform": 200]
    static let transportProfiles: Set = [
        "hv-gpadl-free-2024", "virtio-used-len", "cvmbus-swiotlb", "virtio-no-access-platform", "virtio-ring-unmap-2021",
    ]

    @Test(arguments: Profile.builtIn.filter { $0.breaks != nil })
    func aLongRandomFailingInputShrinksToNoMoreThanTheHandWrittenOne(_ profile: Profile) throws {
        let long = try #require(RandomExplorer.longFailingScenario(
            profile: profile, platform: Self.platform[profile.name] ?? .tdx, minimumSteps: 150, seeds: Self.seeds[profile.name] ?? 64,
            transports: Self.transportProfiles.contains(profile.name)))
        let original = try #require(Runner.run(long, profile: profile).firstViolation)
        let outcome = try #require(Minimizer.minimize(long, profile: profile))
        #expect(long.operations.count >= 150)
        #expect(outcome.violation.invariant == original.invariant)
        #expect(outcome.minimal.operations.count <= Self.handWritten[profile.name]!, "\(outcome.minimal.operations)")
        #expect(Runner.run(outcome.minimal, profile: profile).firstViolation?.invariant == original.invariant)
    }

    @Test func minimisingIsDeterministic() throws {
        let profile = profile("cve-2022-0854")
        let long = try #require(RandomExplorer.longFailingScenario(profile: profile, platform: .cca, minimumSteps: 100))
        let a = Minimizer.minimize(long, profile: profile)?.minimal
        let b = Minimizer.minimize(long, profile: profile)?.minimal
        #expect(a != nil && a == b)
    }

    @Test func deletingACreatorDropsItsUsersAndRenumbersTheRest() throws {
        // Buffer 0 is noise; buffer 1 is the one that matters. Once buffer 0's kmalloc goes, the
        // map of "buffer 1" must be renumbered to buffer 0, and the write to buffer 0 dropped.
        let ops: [GuestOperation] = [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 64, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 64),
            .kmalloc(size: 2048, zone: .normal),
            .mapBuffer(device: 0, buffer: 1, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .syncForCpu(mapping: 0, offset: 0, size: 2000),
        ]
        let outcome = try #require(Minimizer.minimize(Scenario(platform: .tdx, operations: ops), profile: profile("swiotlb-partial-sync")))
        #expect(outcome.minimal.operations == [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 1, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),
            // The smallest sync that still overruns a one-byte mapping.
            .syncForCpu(mapping: 0, offset: 0, size: 2),
        ])
        #expect(outcome.violation.invariant == .safeHostInput)
    }

    @Test func aCleanInputHasNothingToMinimise() {
        let seed = SeedScenarios.dma[0].scenario
        #expect(Minimizer.minimize(seed, profile: .linuxUpstream) == nil)
    }

    @Test func aRegressionTestAgainstABuggyProfileAssertsTheViolation() throws {
        let c = InvariantTests.cases.first { $0.invariant == .confStale }!
        let outcome = try #require(Minimizer.minimize(Scenario(platform: c.platform, operations: c.ops), profile: c.wrong))
        let test = RegressionTest(outcome, profile: c.wrong, name: "t", source: "a test", input: "Corpus/regressions/dma/t.bounce", target: .dma)
        #expect(test.source.contains("#expect(result.firstViolation?.invariant == .confStale"))
        #expect(!test.source.contains("withKnownIssue"))
        for op in outcome.minimal.operations { #expect(test.source.contains(op.description)) }
    }

    /// Each operation's comment is in the kernel's words on the state it runs on: freeing a
    /// `dma_alloc_pages()` allocation is `dma_free_pages()`.
    @Test func aRegressionTestNamesTheFreeOfADmaAllocPagesAllocationDmaFreePages() throws {
        let ops: [GuestOperation] = [
            .probeDevice(untrusted), .dmaAllocPages(device: 0, size: 4096, blocking: false), .freeCoherent(coherent: 0),
        ]
        let bug = profile("atomic-pool-free-pages-2026")
        let outcome = try #require(Minimizer.minimize(Scenario(platform: .cca, operations: ops), profile: bug))
        let test = RegressionTest(outcome, profile: bug, name: "t", source: "a test", input: "Corpus/regressions/dma/t.bounce", target: .dma)
        #expect(test.source.contains(".freeCoherent(coherent: 0),  // dma_free_pages(coherent 0)"), "\(test.source)")
        #expect(!test.source.contains("dma_free_coherent"))
    }

    @Test func aRegressionTestAgainstACorrectProfileIsAKnownIssue() throws {
        let outcome = try #require(Minimizer.minimize(Scenario(platform: .s390Pv, operations: KnownFindingsTests().staleAlloc), profile: .linuxUpstream))
        let test = RegressionTest(outcome, profile: .linuxUpstream, name: "t", source: "a test", input: "Corpus/regressions/dma/t.bounce", target: .dma)
        #expect(test.source.contains("withKnownIssue("))
        #expect(test.source.contains("#expect(result.violations.isEmpty"))
    }
}
