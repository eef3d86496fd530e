import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// For every invariant: a hand-written sequence that breaks it under a deliberately wrong
/// behaviour, reported with exactly that ID, and the same sequence clean under `linux-upstream`.
@Suite struct InvariantTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var invariant: InvariantID
        var platform: PlatformKind
        var wrong: Profile
        var ops: [GuestOperation]
        var testDescription: String { invariant.rawValue }
    }

    static let cases: [Case] = [
        // dma_direct_alloc() remaps a non-coherent device's pages with a decrypted pgprot and
        // leaves them private; its own memset() goes through that alias.
        Case(invariant: .confAlias, platform: .cca, wrong: profile("dma-direct-remap-decrypt-2026"), ops: [
            .probeDevice(untrusted), .archSetupDmaOps(device: 0, coherent: false),
            .allocCoherent(device: 0, size: 4096, blocking: true),
        ]),
        // swiotlb leaves a FROM_DEVICE slot unfilled; unmap copies the slot's old bytes back.
        Case(invariant: .confStale, platform: .tdx, wrong: profile("cve-2022-0854"), ops: [
            .probeDevice(untrusted),
            .kmalloc(size: 512, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 512),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 0, offset: 0, size: 100),
            .unmap(mapping: 0, skipCpuSync: false),
        ]),
        // sync_for_device copies the stale buffer over what the device wrote into the slot.
        Case(invariant: .dataIntegrity, platform: .tdx, wrong: profile("swiotlb-sync-bidi-2022"), ops: [
            .probeDevice(untrusted),
            .kmalloc(size: 512, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 512),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 0, offset: 0, size: 100),
            .syncForDevice(mapping: 0, offset: 0, size: 512),
            .unmap(mapping: 0, skipCpuSync: false),
        ]),
        // The host fails set_memory_decrypted; dma-direct frees the half-shared pages.
        Case(invariant: .confFreelist, platform: .tdx, wrong: profile("cve-2024-35939"), ops: [
            .probeDevice(untrusted),
            .failNextConversion(afterPages: 1),
            .allocCoherent(device: 0, size: 8192, blocking: true),
        ]),
        // An unusable pool (its decryption failed) still serves an untrusted device.
        Case(invariant: .confPool, platform: .tdx, wrong: profile("swiotlb-pool-state-2026"), ops: [
            .failNextConversion(afterPages: 0),
            .probeDevice(DeviceConfig(restrictedPool: true)),
            .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
        ]),
        // A partial sync with a host-supplied length is not clamped to the mapping.
        Case(invariant: .safeHostInput, platform: .tdx, wrong: profile("swiotlb-partial-sync"), ops: [
            .probeDevice(untrusted),
            .kmalloc(size: 2048, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .syncForCpu(mapping: 0, offset: 0, size: 2000),
        ]),
        // SWIOTLB_FORCE bounces a trusted device through the decrypted default pool.
        Case(invariant: .confTrusted, platform: .tdx, wrong: profile("linux-swiotlb-force"), ops: [
            .probeDevice(trusted),
            .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
        ]),
        // Without the encoding check, a device without swiotlb is handed private memory.
        Case(invariant: .confBounce, platform: .tdx, wrong: profile("linux-swiotlb-force"), ops: [
            .probeDevice(DeviceConfig(swiotlbDisabled: true)),
            .kmalloc(size: 512, zone: .normal),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
        ]),
        // SWIOTLB_FORCE copies a trusted device's secret into a shared slot, then dma_capable
        // fails (24-bit mask) and the map is undone, but the bytes stay in the slot.
        Case(invariant: .confPrivate, platform: .tdx, wrong: profile("linux-swiotlb-force"), ops: [
            .probeDevice(DeviceConfig(trusted: true, dmaMaskBits: 24)),
            .kmalloc(size: 64, zone: .dma),
            .cpuWrite(buffer: 0, offset: 0, size: 64),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 64, direction: .bidirectional, skipCpuSync: false),
        ]),
        // dma_map_sg abandons the entries it mapped when a later one fails.
        Case(invariant: .safeLifecycle, platform: .tdx, wrong: upstream { $0.mapSgFailure = .abandonMapped }, ops: [
            .probeDevice(DeviceConfig(restrictedPool: true)),
            .kmalloc(size: 60000, zone: .normal),
            .kmalloc(size: 60000, zone: .normal),
            .kmalloc(size: 20000, zone: .normal),
            .mapSg(device: 0, buffers: [0, 1, 2], direction: .toDevice),
        ]),
    ]

    @Test(arguments: cases)
    func theWrongBehaviourBreaksExactlyThisInvariant(_ c: Case) {
        let result = run(c.ops, on: c.platform, c.wrong)
        #expect(result.firstViolation?.invariant == c.invariant, "\(result.violations)\n\(result.trace.joined(separator: "\n"))")
        #expect(result.steps == c.ops.count, "the violation should come at the last step")
    }

    @Test(arguments: cases)
    func linuxUpstreamKeepsTheInvariant(_ c: Case) {
        let result = run(c.ops, on: c.platform)
        #expect(result.violations.isEmpty, "\(result.violations)\n\(result.trace.joined(separator: "\n"))")
    }

    @Test func everyInvariantHasACase() {
        #expect(Set(Self.cases.map(\.invariant)) == Set(InvariantID.allCases))
    }

    @Test func reencryptFailureFreedIsCaughtOnFree() {
        let ops: [GuestOperation] = [
            .probeDevice(untrusted),
            .allocCoherent(device: 0, size: 4096, blocking: true),
            .failNextConversion(afterPages: 0),
            .freeCoherent(coherent: 0),
        ]
        #expect(run(ops, on: .tdx, profile("dma-direct-reencrypt-2022")).firstViolation?.invariant == .confFreelist)
        #expect(run(ops).violations.isEmpty)
    }

    /// Two live device-writable mappings of the same bytes leave them undefined (dma-debug warns
    /// of such overlaps): what one mapping's unmap bounces back into the buffer is no
    /// DATA-INTEGRITY finding against the other.
    @Test func overlappingDeviceWritableMappingsExpectNothingOfTheSharedBytes() {
        let ops: [GuestOperation] = [
            .kmalloc(size: 1, zone: .normal), .probeDevice(untrusted), .probeDevice(trusted),
            .mapBuffer(device: 1, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 1, offset: 0, size: 1),
            .unmap(mapping: 1, skipCpuSync: false),
            .unmap(mapping: 0, skipCpuSync: false),
        ]
        #expect(run(ops).violations.isEmpty)
    }

    @Test func aViolationNamesTheStepThePlaceAndTheBytes() {
        let c = Self.cases.first { $0.invariant == .confStale }!
        let v = run(c.ops, on: c.platform, c.wrong).firstViolation!
        #expect(v.step == 5)
        #expect(v.location.contains("mapping 0"))
        #expect(v.detail.contains("where it should read guest allocation"))
    }
}
