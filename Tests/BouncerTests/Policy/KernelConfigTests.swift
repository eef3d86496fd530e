import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// Per-platform kernel configuration (`KernelConfig`): s390 has no atomic pools
/// (`CONFIG_DMA_COHERENT_POOL` unselected) and its conversions cannot be failed by the host
/// (`set_memory_decrypted()` loops over `uv_set_shared()` and returns 0).
@Suite struct KernelConfigTests {
    /// The atomic pool grown by its workqueue after a buffer was written and freed where the new
    /// chunk lands: shared in place on pKVM under the series' unmerged pKVM patch
    /// (`pkvm-cc-platform-series`), nowhere in the merged kernel.
    static let atomicPoolGrowth: [GuestOperation] = [
        .probeDevice(DeviceConfig()),
        .allocCoherent(device: 0, size: 9 * 4096, blocking: false),
        .kmalloc(size: 4096, zone: .normal),
        .cpuWrite(buffer: 0, offset: 0, size: 1),
        .kfree(buffer: 0),
        .runDeferredWork,
    ]

    @Test func s390BootsWithoutAtomicPoolsAndOtherPlatformsWithThree() {
        for kind in PlatformKind.allCases {
            let s = DmaLayer(platform: kind, behaviours: Behaviours())
            #expect(s.atomicPools.count == (kind == .s390Pv ? 0 : 3), "\(kind)")
        }
    }

    /// `dma_direct_alloc_from_pool()` warns and fails without the pools; a blocking allocation
    /// takes fresh pages as everywhere.
    @Test func anAtomicSharedAllocationFailsOnS390() {
        var s = DmaLayer(platform: .s390Pv, behaviours: Behaviours())
        s.probeDevice(DeviceConfig())
        #expect(s.dmaAllocCoherent(device: 0, size: 4096, blocking: false) == nil)
        let c = s.dmaAllocCoherent(device: 0, size: 4096, blocking: true)
        #expect(c.map { s.coherent[$0].source } == .pages)
    }

    @Test func theAtomicPoolSharesInPlaceOnlyOnPkvmWithTheSeriesPatchAndCannotOnS390() {
        let pkvm = Runner.run(Scenario(platform: .pkvm, operations: Self.atomicPoolGrowth), profile: profile("pkvm-cc-platform-series"))
        #expect(pkvm.firstViolation?.invariant == .confPrivate)
        #expect(pkvm.firstViolation?.site == .conversionInPlace)
        #expect(pkvm.firstViolation?.step == 5)
        let s390 = Runner.run(Scenario(platform: .s390Pv, operations: Self.atomicPoolGrowth), profile: .linuxUpstream)
        #expect(s390.violations.isEmpty, "\(s390.violations)")
    }

    @Test func theHostCannotFailAConversionOnS390() {
        let ops: [GuestOperation] = [
            .probeDevice(DeviceConfig()), .failNextConversion(afterPages: 0), .allocCoherent(device: 0, size: 4096, blocking: true),
        ]
        let tdx = Runner.run(Scenario(platform: .tdx, operations: ops), profile: profile("cve-2024-35939"))
        #expect(tdx.firstViolation?.invariant == .confFreelist)
        let s390 = Runner.run(Scenario(platform: .s390Pv, operations: ops), profile: profile("cve-2024-35939"))
        #expect(s390.violations.isEmpty, "\(s390.violations)")
    }

    /// pseries enters secure mode in `prom_init` (6a9c930bd775): confidential from boot, and the
    /// runtime transition happens only under seed 003's profile.
    @Test func pseriesIsSecureFromBootUnlessTheProfileTurnsItSecureLater() {
        var upstream = DmaLayer(platform: .pseriesSvm, behaviours: Behaviours())
        #expect(upstream.platform.confidential)
        #expect(upstream.swiotlbPools[0].decrypted)
        #expect(upstream.atomicPools.allSatisfy { $0.decrypted })
        let late = profile("pseries-late-secure-seed003")
        var seed003 = DmaLayer(platform: .pseriesSvm, behaviours: late.behaviours)
        #expect(!seed003.platform.confidential)
        seed003.enterSecureMode()
        #expect(seed003.platform.confidential)
        #expect(!seed003.atomicPools.contains { $0.decrypted })
        upstream.enterSecureMode()
        #expect(upstream.platform.confidential)
        let trace = run([.enterSecureMode], on: .pseriesSvm).trace
        #expect(trace.last?.hasSuffix("-- skipped") == true, "\(trace)")
        #expect(run([.enterSecureMode], on: .pseriesSvm, late).trace.last?.hasSuffix("-- skipped") == false)
    }
}
