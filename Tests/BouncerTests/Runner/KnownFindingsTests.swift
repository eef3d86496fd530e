import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// The open findings are told from new ones by their signature (invariant, platform, oracle check,
/// operation), runs go on past them, strict runs stop on them, and a record whose regression
/// input no longer meets it is noticed.
@Suite struct KnownFindingsTests {
    static let shareInPlace = KnownFindings.all.firstIndex { $0.id == "share-in-place-stale-page" }!
    static let virtio = KnownFindings.all.firstIndex { $0.id == "virtio-without-access-platform" }!
    static let pkvmDma = KnownFindings.all.firstIndex { $0.id == "pkvm-dma-to-private-memory" }!

    /// pKVM under the series' unmerged pKVM patch, where share-in-place happens on pKVM too (and
    /// the host can fail a conversion, which s390 PV's cannot), with the table that says so.
    static func pkvmSeries(_ base: Profile) -> Profile {
        var p = base
        p.behaviours.pkvmCcPlatform = .ccPlatform
        return p
    }
    static let seriesTable: [KnownFinding] = KnownFindings.all.map { f in
        guard f.id == "share-in-place-stale-page" else { return f }
        return KnownFinding(
            id: f.id, summary: f.summary, invariant: f.invariant, platforms: f.platforms + [.pkvm], sites: f.sites,
            operations: f.operations, regression: f.regression, target: f.target, test: f.test, fix: f.fix)
    }

    /// The share-in-place path by hand: a buffer written, freed, and its page handed out.
    let staleAlloc: [GuestOperation] = [
        .probeDevice(untrusted),
        .kmalloc(size: 4096, zone: .normal),
        .cpuWrite(buffer: 0, offset: 0, size: 4096),
        .kfree(buffer: 0),
        .allocCoherent(device: 0, size: 4096, blocking: true),
    ]

    /// On s390 PV the allocation shares the stale page in place; on a mainline pKVM guest it is not
    /// decrypted at all, and the device is handed its private address instead.
    @Test func theShareInPlaceFindingIsKnownOnS390AndMainlinePkvmHandsOutPrivateMemory() {
        let s390 = Runner.runPastKnown(Scenario(platform: .s390Pv, operations: staleAlloc), profile: .linuxUpstream)
        #expect(s390.new == nil, "\(String(describing: s390.new))")
        #expect(s390.known.indices == [Self.shareInPlace])
        #expect(s390.known.first[Self.shareInPlace]?.invariant == .confPrivate)
        let pkvm = Runner.runPastKnown(Scenario(platform: .pkvm, operations: staleAlloc), profile: .linuxUpstream)
        #expect(pkvm.new == nil, "\(String(describing: pkvm.new))")
        #expect(pkvm.known.indices == [Self.pkvmDma])
        #expect(pkvm.known.first[Self.pkvmDma]?.site == .coherentHandout)
    }

    /// `dma_alloc_pages()` takes the same path to fresh pages as `dma_alloc_coherent()`
    /// (`dma_direct_alloc_pages()` decrypts, then zeroes), so its findings are the same records
    /// (CI's smoke met it on pKVM before the records named the operation).
    @Test func dmaAllocPagesMeetsTheSameRecordsAsDmaAllocCoherent() {
        let pages = staleAlloc.dropLast() + [.dmaAllocPages(device: 0, size: 4096, blocking: true)]
        let s390 = Runner.runPastKnown(Scenario(platform: .s390Pv, operations: Array(pages)), profile: .linuxUpstream)
        #expect(s390.new == nil, "\(String(describing: s390.new))")
        #expect(s390.known.indices == [Self.shareInPlace])
        let pkvm = Runner.runPastKnown(Scenario(platform: .pkvm, operations: Array(pages)), profile: .linuxUpstream)
        #expect(pkvm.new == nil, "\(String(describing: pkvm.new))")
        #expect(pkvm.known.indices == [Self.pkvmDma])
    }

    /// A record that matches coherent hand-outs names every operation whose description creates
    /// a coherent allocation, so a DMA-layer operation added later cannot slip past it (the
    /// transports' probes, which allocate rings inside, are named by hand).
    @Test func aCoherentHandoutRecordNamesEveryOperationThatCreatesACoherentAllocation() {
        let allocating = OperationDescription.all.filter { $0.creates == .coherent }.map(\.kind)
        #expect(!allocating.isEmpty)
        for f in KnownFindings.all where f.sites.contains(.coherentHandout) {
            for kind in allocating { #expect(f.operations.contains(kind), "\(f.id) does not name \(kind)") }
        }
    }

    @Test func theVirtioFindingIsKnownOnCcaPkvmAndPseries() {
        let probe: [GuestOperation] = [.virtioProbe(transport: .pci, features: .version1)]
        let cases: [(PlatformKind, [GuestOperation])] = [(.cca, probe), (.pkvm, probe), (.pseriesSvm, [.enterSecureMode] + probe)]
        for (platform, ops) in cases {
            let r = Runner.runPastKnown(Scenario(platform: platform, operations: ops), profile: .linuxUpstream)
            #expect(r.new == nil, "\(platform): \(String(describing: r.new))")
            #expect(r.known.indices == [Self.virtio], "\(platform)")
        }
    }

    /// Each open finding is pinned once, by its regression test; this says where it applies: its
    /// regression input, replayed on every platform, breaks the finding's invariant through the
    /// finding's check on exactly the platforms the record names, and on no other (on TDX, SEV-SNP
    /// and CCA, conversion gives the host another page; x86 and s390 install
    /// `virtio_check_mem_acc_cb()`; s390 has no atomic pools).
    @Test(arguments: KnownFindings.all.map(\.id))
    func aFindingShowsOnExactlyThePlatformsItsRecordNames(_ id: String) throws {
        let finding = try #require(KnownFindings.all.first { $0.id == id })
        let bytes = try #require(readFile(packageRoot + "/" + finding.regression))
        let recorded = ScenarioCodec.decode(bytes, target: finding.target)
        for platform in PlatformKind.allCases {
            let r = Runner.run(Scenario(platform: platform, operations: recorded.operations), profile: .linuxUpstream)
            let shows = r.violations.contains { $0.invariant == finding.invariant && finding.sites.contains($0.site) }
            #expect(shows == finding.platforms.contains(platform), "\(id) on \(platform): \(r.violations)")
        }
    }

    /// The same path on a platform the record does not name is new: a CoCo guest on SEV-SNP vTOM
    /// accepting a virtio device without ACCESS_PLATFORM (the catalogue profile
    /// `virtio-no-access-platform`) breaks CONF-BOUNCE through the same check and operation.
    @Test func theSamePathOnAnotherPlatformIsNew() throws {
        let (target, bytes) = try #require(CatalogueTests.recorded(profile("virtio-no-access-platform")))
        let scenario = ScenarioCodec.decode(bytes, target: target)
        #expect(!KnownFindings.all[Self.virtio].platforms.contains(scenario.platform))
        let r = Runner.runPastKnown(scenario, profile: profile("virtio-no-access-platform"))
        #expect(r.new?.invariant == .confBounce)
        #expect(r.new?.site == .transportHandout)
        #expect(r.known.mask == 0)
    }

    /// Every catalogue profile's bug is new: none is taken for a known finding.
    @Test(arguments: Profile.builtIn.filter { $0.breaks != nil })
    func catalogueFindingsAreNew(_ profile: Profile) throws {
        let (target, bytes) = try #require(CatalogueTests.recorded(profile))
        let r = Runner.runPastKnown(ScenarioCodec.decode(bytes, target: target), profile: profile)
        #expect(r.new?.invariant.rawValue == profile.breaks)
    }

    /// A record matches only its own signature: change any one part and the same violation is new.
    @Test func eachPartOfTheSignatureMatters() {
        let real = KnownFindings.all[Self.shareInPlace]
        func record(
            invariant: InvariantID? = nil, platforms: [PlatformKind]? = nil, sites: [ViolationSite]? = nil,
            operations: [OperationKind]? = nil
        ) -> [KnownFinding] {
            [KnownFinding(
                id: "variant", summary: "", invariant: invariant ?? real.invariant, platforms: platforms ?? real.platforms,
                sites: sites ?? real.sites, operations: operations ?? real.operations, regression: real.regression,
                target: real.target, test: real.test, fix: real.fix)]
        }
        let scenario = Scenario(platform: .s390Pv, operations: staleAlloc)
        func isKnown(_ table: [KnownFinding]) -> Bool {
            let r = Runner.runPastKnown(scenario, profile: .linuxUpstream, table: table)
            return r.new == nil && r.known.contains(0)
        }
        #expect(isKnown(record()))
        #expect(!isKnown(record(invariant: .confBounce)))
        #expect(!isKnown(record(platforms: [.pkvm])))
        #expect(!isKnown(record(sites: [.privateBytes])))
        #expect(!isKnown(record(operations: [.virtioProbe, .nvmeProbe])))
    }

    /// Past a known finding the run goes on and still stops at a new violation after it: under
    /// `cve-2024-35939` on pKVM with the series' pKVM patch, the stale page is exposed (known), then
    /// a failed decryption frees shared pages (CONF-FREELIST, new).
    @Test func aRunGoesOnPastAKnownFindingToANewOne() {
        let ops = staleAlloc + [.failNextConversion(afterPages: 1), .allocCoherent(device: 0, size: 8192, blocking: true)]
        let old = Self.pkvmSeries(profile("cve-2024-35939"))
        let r = Runner.runPastKnown(Scenario(platform: .pkvm, operations: ops), profile: old, table: Self.seriesTable)
        #expect(r.known.contains(Self.shareInPlace))
        #expect(r.new?.invariant == .confFreelist)
        #expect(r.new?.step == 6)
        // Stopping at the first violation, as strict runs do, never gets there.
        let strict = Runner.runPastKnown(Scenario(platform: .pkvm, operations: ops), profile: old, strict: true, table: Self.seriesTable)
        #expect(strict.new?.invariant == .confPrivate)
        #expect(strict.new?.step == 4)
    }

    @Test func strictRunsStopOnKnownFindings() {
        let r = Runner.runPastKnown(Scenario(platform: .s390Pv, operations: staleAlloc), profile: .linuxUpstream, strict: true)
        #expect(r.new?.invariant == .confPrivate)
        #expect(r.known.contains(Self.shareInPlace))
    }

    /// The fuzz harness's path (decoding as it runs, from a booted guest) sorts the same way.
    @Test func theHarnessPathSortsAsTheScenarioPathDoes() {
        for platform in [PlatformKind.pkvm, .s390Pv, .tdx] {
            let scenario = Scenario(platform: platform, operations: staleAlloc)
            let bytes = ScenarioCodec.encode(scenario, target: .dma)
            var booted = BootedGuests(profile: .linuxUpstream)
            for strict in [false, true] {
                var hits = KnownHits()
                let v = bytes.withUnsafeBytes { raw in
                    var decoder = ScenarioDecoder(raw, target: .dma)
                    return booted.firstNewViolation(&decoder, strict: strict, &hits)
                }
                let r = Runner.runPastKnown(ScenarioCodec.decode(bytes, target: .dma), profile: .linuxUpstream, strict: strict)
                #expect(v == r.new, "\(platform) strict \(strict)")
                #expect(hits.mask == r.known.mask, "\(platform) strict \(strict)")
            }
        }
    }

    /// A conversion that fails partway leaks the pages it exposed, unzeroed; the end-of-run scan
    /// finds the same bytes there again, which is the known finding seen twice, not a new one.
    /// (On pKVM with the series' pKVM patch: s390 PV's conversions cannot fail.)
    @Test func theEndOfRunScanOfAnExposedPageIsTheKnownFinding() {
        let ops = staleAlloc.dropLast() + [.failNextConversion(afterPages: 1), .allocCoherent(device: 0, size: 8192, blocking: true)]
        let scenario = Scenario(platform: .pkvm, operations: Array(ops))
        let series = Self.pkvmSeries(.linuxUpstream)
        #expect(Runner.run(scenario, profile: series).firstViolation?.site == .conversionInPlace)
        let r = Runner.runPastKnown(scenario, profile: series, table: Self.seriesTable)
        #expect(r.new == nil, "\(String(describing: r.new))")
        #expect(r.known.contains(Self.shareInPlace))
        // Without the exposure recorded, the scan's violation is a finding of its own.
        var runner = Runner(platform: .pkvm, profile: series)
        for op in ops { _ = runner.run(op) }
        #expect(runner.finish().first?.site == .privateBytes)
    }

    @Test func everyRecordedRegressionInputStillMeetsItsFinding() throws {
        for (i, f) in KnownFindings.all.enumerated() {
            let bytes = try #require(readFile("\(CatalogueTests.root)/\(f.regression)"), "\(f.regression)")
            #expect(KnownFindings.staleness(of: i, input: bytes, profile: .linuxUpstream) == nil, "\(f.id)")
        }
    }

    /// A finding whose regression input no longer meets it (here: the record points at an input
    /// that runs clean under linux-upstream) is reported, so it can be closed.
    @Test func aKnownFindingThatNoLongerReproducesIsReported() throws {
        let (target, bytes) = try #require(CatalogueTests.recorded(profile("cve-2022-0854")))
        let real = KnownFindings.all[Self.shareInPlace]
        let table = [KnownFinding(
            id: "fixed", summary: "", invariant: real.invariant, platforms: real.platforms, sites: real.sites,
            operations: real.operations, regression: "", target: target, test: "", fix: "")]
        let stale = KnownFindings.staleness(of: 0, input: bytes, profile: .linuxUpstream, in: table)
        #expect(stale?.hasPrefix("clean after") == true, "\(String(describing: stale))")
        // The same input under the profile it breaks meets a new violation instead, and says so.
        let other = KnownFindings.staleness(of: 0, input: bytes, profile: profile("cve-2022-0854"), in: table)
        #expect(other?.hasPrefix("CONF-STALE") == true, "\(String(describing: other))")
    }
}
