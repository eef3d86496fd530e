import BouncerOracle
import BouncerPolicy

/// An open finding under `linux-upstream`: a violation the model shows on purpose, because the
/// kernel it stands for has it, and that stays until the kernel (or the model) changes. Every
/// command and the fuzz targets count a violation matching one as known instead of failing on it,
/// unless asked to be strict.
///
/// The record is a Swift table rather than a file the tools read, so the fuzz harness gets it with
/// no parsing and no Foundation, and a misspelt invariant, platform or operation fails to compile.
public struct KnownFinding: Sendable {
    /// A short stable name, used in reports, reproducer names and `withKnownIssue` comments.
    public let id: String
    public let summary: String
    /// The signature: the invariant, the platforms it shows on, the oracle checks that find it,
    /// and the operations whose step breaks it (the path through the model).
    public let invariant: InvariantID
    public let platforms: [PlatformKind]
    public let sites: [ViolationSite]
    public let operations: [OperationKind]
    /// The regression input that reproduces it (replayed by `bouncer check` to notice a finding
    /// that no longer reproduces) and the target whose format it is in.
    public let regression: String
    public let target: FuzzTarget
    /// The test that pins it inside `withKnownIssue`.
    public let test: String
    /// The change to the kernel that would close it.
    public let fix: String
    /// What it means (`FindingClass`): the class its violation carries.
    public let findingClass: FindingClass

    public init(
        id: String, summary: String, invariant: InvariantID, platforms: [PlatformKind], sites: [ViolationSite],
        operations: [OperationKind], regression: String, target: FuzzTarget, test: String, fix: String,
        findingClass: FindingClass? = nil
    ) {
        self.id = id
        self.summary = summary
        self.invariant = invariant
        self.platforms = platforms
        self.sites = sites
        self.operations = operations
        self.regression = regression
        self.target = target
        self.test = test
        self.fix = fix
        self.findingClass = findingClass ?? invariant.defaultClass
    }

    /// Whether a violation at a step running `operation` on `platform` is this finding. A
    /// violation found by the end-of-run accounting has no operation and matches none.
    public func matches(_ v: Violation, platform: PlatformKind, operation: OperationKind?) -> Bool {
        guard v.invariant == invariant, sites.contains(v.site), let operation else { return false }
        return platforms.contains(platform) && operations.contains(operation)
    }
}

public enum KnownFindings {
    /// The open findings (README, Findings).
    public static let all: [KnownFinding] = [
        KnownFinding(
            id: "share-in-place-stale-page",
            summary: "dma_direct_alloc() calls set_memory_decrypted() before zeroing the pages; "
                + "where conversion shares in place (s390 PV) the host reads what a freed allocation left there",
            invariant: .confPrivate, platforms: [.s390Pv], sites: [.conversionInPlace],
            // Every step that allocates fresh pages for shared coherent memory: dma_alloc_coherent()
            // and dma_alloc_pages() (dma_direct_alloc_pages() decrypts before it zeroes too), and the transports whose rings and queues are coherent memory (both blocking).
            operations: [.allocCoherent, .dmaAllocPages, .virtioProbe, .nvmeProbe],
            regression: "Corpus/regressions/dma/linux-upstream--confPrivate_sharedInPlaceStalePage_s390Pv.bounce",
            target: .dma,
            test: "Tests/BouncerTests/Regressions/confPrivate_sharedInPlaceStalePage_s390Pv.swift",
            fix: "zero the pages before set_memory_decrypted() (or allocate them with __GFP_ZERO) in dma_direct_alloc(); "
                + "init_on_alloc=1 or init_on_free=1 closes it meanwhile"),
        KnownFinding(
            id: "virtio-without-access-platform",
            summary: "virtio_features_ok() accepts a device without VIRTIO_F_ACCESS_PLATFORM where the platform installs no "
                + "virtio_check_mem_acc_cb(); vring_use_dma_api() then hands the device private guest-physical addresses",
            invariant: .confBounce, platforms: [.cca, .pkvm, .pseriesSvm], sites: [.transportHandout],
            // The ring at probe, and each descriptor a buffer is posted with.
            operations: [.virtioProbe, .virtioAddBuffer],
            regression: "Corpus/regressions/system/linux-upstream--confBounce_virtioWithoutAccessPlatform_cca.bounce",
            target: .system,
            test: "Tests/BouncerTests/Regressions/confBounce_virtioWithoutAccessPlatform_cca.swift",
            fix: "install virtio_check_mem_acc_cb() on arm64 realms (arm64_rsi_init()), pKVM guests and pseries secure VMs "
                + "(init_svm()), so a device without ACCESS_PLATFORM is refused at probe",
            // The addresses name private memory, which the RMM, pKVM and the ultravisor keep the
            // host out of: the device's accesses fail, nothing is exposed.
            findingClass: .contractBreak),
        KnownFinding(
            id: "share-in-place-swiotlb-dynamic",
            summary: "swiotlb_dyn_alloc() → alloc_dma_pages() calls set_memory_decrypted() on fresh pages and "
                + "swiotlb_init_io_tlb_pool() zeroes them only afterwards; where conversion shares in place the host reads "
                + "what a freed allocation left there (CONFIG_SWIOTLB_DYNAMIC; s390 PV)",
            invariant: .confPrivate, platforms: [.s390Pv], sites: [.conversionInPlace],
            // swiotlb_dyn_alloc() runs from the workqueue only.
            operations: [.runDeferredWork],
            regression: "Corpus/regressions/dma/linux-upstream--confPrivate_swiotlbDynamicSharedInPlace_s390Pv.bounce",
            target: .dma,
            test: "Tests/BouncerTests/Regressions/confPrivate_swiotlbDynamicSharedInPlace_s390Pv.swift",
            fix: "zero the pages before set_memory_decrypted() in alloc_dma_pages() (or allocate them with __GFP_ZERO); "
                + "init_on_alloc=1 or init_on_free=1 closes it meanwhile"),
        KnownFinding(
            id: "pkvm-dma-to-private-memory",
            summary: "arm64's force_dma_unencrypted() and cc_platform_has() are is_realm_world(), false on a pKVM guest, so "
                + "dma-direct maps and allocates a device's memory without sharing it, and since d5fd03cdd6c0 "
                + "rmem_swiotlb_device_init() no longer shares a restricted-dma-pool either: the device is handed private "
                + "guest-physical addresses (its buffers', or the pool's slots), which pKVM keeps the host (and so the device) out of",
            invariant: .confBounce, platforms: [.pkvm], sites: [.mappingHandout, .coherentHandout],
            // Every step that hands a device a DMA address through dma-direct or its restricted
            // pool: maps and coherent allocations, by a driver or by the transports' rings,
            // queues and buffers.
            operations: [
                .mapBuffer, .mapCoherent, .mapSg, .allocCoherent, .dmaAllocPages, .virtioProbe, .virtioAddBuffer, .nvmeProbe,
                .nvmeSubmit, .vmbusSend,
            ],
            regression: "Corpus/regressions/dma/linux-upstream--confBounce_pkvmDmaWithoutRestrictedPool_pkvm.bounce",
            target: .dma,
            test: "Tests/BouncerTests/Regressions/confBounce_pkvmDmaWithoutRestrictedPool_pkvm.swift",
            fix: "make pKVM a CC platform (the series' unmerged \"[DO NOT MERGE] arm64/coco: Add pKVM as a CC platform\") so "
                + "dma-direct shares and bounces and rmem_swiotlb_device_init() shares a restricted-dma-pool again, or have "
                + "rmem_swiotlb_device_init() share the pool whatever cc_platform_has() says and record it shared",
            // The device cannot reach private memory: its accesses fail, nothing is exposed.
            findingClass: .contractBreak),
    ]

    /// The index in `table` of the known finding a violation is, or nil when it is new.
    public static func match(
        _ v: Violation, platform: PlatformKind, operation: OperationKind?, in table: [KnownFinding] = all
    ) -> Int? {
        table.firstIndex { $0.matches(v, platform: platform, operation: operation) }
    }

    /// Replays entry `i`'s regression input (its bytes) under a profile: nil when the input still
    /// meets the finding, otherwise what it does instead (a finding to close, or a wrong record).
    public static func staleness(of i: Int, input: [UInt8], profile: Profile, in table: [KnownFinding] = all) -> String? {
        let run = Runner.runPastKnown(ScenarioCodec.decode(input, target: table[i].target), profile: profile, table: table)
        if run.known.contains(i) { return nil }
        return run.new.map { "\($0)" } ?? "clean after \(run.steps) steps"
    }
}

/// The known findings one run met: which (a bit per entry of the table), the first violation of
/// each, for the report, and the pages whose bytes they exposed.
public struct KnownHits: Sendable {
    public var mask: UInt64 = 0
    public var first: [Violation?]
    /// Pages a known finding exposed, with the finding: the end-of-run scan that finds the same
    /// bytes on such a page again (leaked after a failed conversion, never zeroed) is that finding
    /// seen twice, not a new one.
    var exposed: [(finding: Int, page: Int)] = []

    public init(count: Int = KnownFindings.all.count) { first = Array(repeating: nil, count: count) }

    public func contains(_ i: Int) -> Bool { mask & (1 << UInt64(i)) != 0 }

    /// The indices met, in table order.
    public var indices: [Int] { first.indices.filter(contains) }

    /// Forgets what the last run met, keeping the storage (the fuzz harness, once per input).
    public mutating func reset() {
        mask = 0
        exposed.removeAll(keepingCapacity: true)
    }

    mutating func record(_ i: Int, _ v: Violation) {
        if !contains(i) { first[i] = v }
        mask |= 1 << UInt64(i)
        if let page = v.page, !exposed.contains(where: { $0.finding == i && $0.page == page }) { exposed.append((i, page)) }
    }

    /// The known finding that already exposed the page of this violation of the same invariant.
    func exposure(of v: Violation, _ table: [KnownFinding]) -> Int? {
        guard let page = v.page else { return nil }
        return exposed.first { $0.page == page && table[$0.finding].invariant == v.invariant }?.finding
    }
}
