import BouncerKernel
import BouncerKernelDiff
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

extension KernelTests {
    /// The model on linux-6.12 against the build's kernel tree (6.12), step by step.
    @Suite struct Differential {
        static let rxThenPartialDeviceWrite: [GuestOperation] = [
            .probeDevice(DeviceConfig()),
            .kmalloc(size: 512, zone: .normal),
            .cpuWrite(buffer: 0, offset: 0, size: 512),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
            .deviceWrite(mapping: 0, offset: 0, size: 16),
            .unmap(mapping: 0, skipCpuSync: false),
        ]

        func profile(_ change: (inout Behaviours) -> Void) -> Profile {
            var p = KernelDiff.profile
            change(&p.behaviours)
            return p
        }

        @Test func everyComparableDmaSeedAgreesWithTheKernel() throws {
            var compared = 0
            for (name, scenario) in SeedScenarios.dma {
                let report = try KernelDiff.run(scenario)
                #expect(report.divergence == nil, "\(name): \(report.divergence.map { "\($0)" } ?? "")")
                compared += report.compared
            }
            #expect(compared > 50)
        }

        /// A model that leaves the slot unfilled on a FROM_DEVICE map (cve-2022-0854's revert,
        /// which 6.12 does not have) shows up at the map: the device reads other bytes.
        @Test func aWrongCopyOnMapDecisionIsAModelDivergence() throws {
            let wrong = profile { $0.swiotlbCopyOnMap = .toDeviceOnly }
            let report = try KernelDiff.run(Scenario(platform: .tdx, operations: Self.rxThenPartialDeviceWrite), profile: wrong)
            let d = try #require(report.divergence)
            #expect(d.step == 3)
            #expect(d.observable == .deviceBytes)
            #expect("\(d)".hasPrefix("MODEL-DIVERGENCE at step 3 (dma_map_phys("))
            #expect(try KernelDiff.run(Scenario(platform: .tdx, operations: Self.rxThenPartialDeviceWrite)).divergence == nil)
        }

        /// A model with dynamic swiotlb (not in Debian's 6.12 config) maps what 6.12 refuses once
        /// the default pool is full.
        @Test func aModelThatGrowsSwiotlbDivergesWhenThePoolIsFull() throws {
            var ops: [GuestOperation] = [.probeDevice(DeviceConfig()), .kmalloc(size: 65535, zone: .normal)]
            for _ in 0 ..< 5 { ops.append(.mapBuffer(device: 0, buffer: 0, offset: 0, size: 65535, direction: .toDevice, skipCpuSync: false)) }
            let scenario = Scenario(platform: .tdx, operations: ops)
            #expect(try KernelDiff.run(scenario).divergence == nil)
            let d = try #require(try KernelDiff.run(scenario, profile: profile { $0.swiotlbDynamic = .enabled }).divergence)
            #expect(d.observable == .outcome)
            #expect(d.kernel == "DMA_MAPPING_ERROR")
        }

        /// Freeing pages whose decryption failed (cve-2024-35939's revert) is seen as a page the
        /// model frees and the kernel keeps.
        @Test func aWrongDecryptFailureDecisionIsAModelDivergence() throws {
            let ops: [GuestOperation] = [
                .probeDevice(DeviceConfig()), .failNextConversion(afterPages: 0),
                .allocCoherent(device: 0, size: 4096, blocking: true),
            ]
            let d = try #require(try KernelDiff.run(Scenario(platform: .tdx, operations: ops), profile: profile { $0.decryptFailure = .free }).divergence)
            #expect(d.observable == .pageHeld)
            #expect(d.model == "free" && d.kernel == "held")
        }

        /// `dma_sync_single_range_for_cpu(dev, addr, offset, size)` reaches the kernel as a sync at
        /// addr + offset, and copies only that range back.
        @Test func aPartialSyncIsTranslatedToTheMappingsAddressPlusTheOffset() throws {
            let guest = try KernelGuest(platform: .tdx)
            var run = KernelDiffRun(kernel: guest, profile: KernelDiff.profile)
            for op in Self.rxThenPartialDeviceWrite.prefix(5) { #expect(run.run(op).divergence == nil) }
            let mapped = try #require(run.runner.system.mappings.first?.dma)
            let r = run.run(.syncForCpu(mapping: 0, offset: 8, size: 4))
            #expect(r.divergence == nil)
            #expect(r.kernelEvents.contains { if case .syncForCpu(_, _, let dma, 4) = $0 { dma == mapped + 8 } else { false } })
        }

        /// What 6.12 cannot say stops the comparison with the reason, never a false divergence.
        @Test func restrictedPoolsAndNonX86PlatformsAreNotCompared() throws {
            let restricted = try KernelDiff.run(Scenario(platform: .tdx, operations: [.probeDevice(DeviceConfig(restrictedPool: true))]))
            #expect(restricted.divergence == nil && restricted.compared == 0)
            #expect(restricted.outOfScope?.reason.description.contains("CONFIG_DMA_RESTRICTED_POOL") == true)
            let cca = try KernelDiff.run(Scenario(platform: .cca, operations: [.probeDevice(DeviceConfig())]))
            #expect(cca.outOfScope?.step == 0 && cca.compared == 0)
        }

        /// 6.12 has no device_cc_accepted(): a trusted device is bounced, and the kernel-side
        /// oracle sees CONF-TRUSTED on the kernel's own outcome, as the model does.
        @Test func theKernelSideOracleJudgesTheKernelsOwnHandout() throws {
            let ops: [GuestOperation] = [
                .probeDevice(DeviceConfig(trusted: true)), .kmalloc(size: 64, zone: .normal),
                .mapBuffer(device: 0, buffer: 0, offset: 0, size: 64, direction: .toDevice, skipCpuSync: false),
            ]
            let report = try KernelDiff.run(Scenario(platform: .tdx, operations: ops))
            #expect(report.divergence == nil)
            #expect(report.kernelViolation?.invariant == .confTrusted)
            #expect(report.modelViolation?.invariant == .confTrusted)
        }

        /// A restored snapshot is the booted guest again: every page's state, holder and bytes.
        @Test func restoringTheSnapshotUndoesARun() throws {
            let guest = try KernelGuest(platform: .sevSnp)
            func image() -> ([UInt8], [UInt8], [[UInt8]?]) {
                var s: [UInt8] = [], h: [UInt8] = []
                guest.pageTable(states: &s, held: &h)
                return (s, h, (0 ..< GuestMemory.pageCount).map { guest.read(phys: GuestMemory.phys(ofPage: $0), count: 4096) })
            }
            #expect(guest.saveSnapshot())
            let booted = image()
            for (_, scenario) in SeedScenarios.dma where scenario.platform == .sevSnp || scenario.platform == .tdx {
                var run = KernelDiffRun(kernel: guest, profile: KernelDiff.profile)
                for op in scenario.operations { _ = run.run(op) }
                #expect(guest.restoreSnapshot())
                let after = image()
                #expect(after.0 == booted.0 && after.1 == booted.1)
                #expect(after.2 == booted.2)
            }
            // The restored guest runs an input as a freshly booted one does.
            var run = KernelDiffRun(kernel: guest, profile: KernelDiff.profile)
            for op in Self.rxThenPartialDeviceWrite { #expect(run.run(op).divergence == nil) }
        }
    }
}


