import BouncerKernelDiff
import BouncerRunner
import Testing

/// The table the differential runner translates by: which operations reach the kernel code, and
/// which do not and why. Needs no kernel tree.
@Suite struct KernelCounterpartTests {
    @Test func everyDmaLayerCallReachesTheKernelCode() {
        let calls: [OperationKind] = [
            .probeDevice, .mapBuffer, .mapCoherent, .unmap, .syncForCpu, .syncForDevice, .mapSg, .unmapSg, .syncSgForCpu,
            .syncSgForDevice, .allocCoherent, .freeCoherent, .unbind, .runDeferredWork, .failNextConversion,
        ]
        for kind in calls {
            guard case .call = KernelCounterpart.of(kind) else {
                Issue.record("\(kind.name) should be a kernel call")
                continue
            }
        }
    }

    @Test func driverMemoryAndTheHostAreMirroredNotCalled() {
        for kind: OperationKind in [.kmalloc, .kfree, .cpuWrite, .cpuWriteCoherent, .hostWrite, .deviceWrite] {
            guard case .mirror = KernelCounterpart.of(kind) else {
                Issue.record("\(kind.name) should be mirrored")
                continue
            }
            #expect(KernelCounterpart.of(kind).runsOnKernel)
        }
    }

    /// What has no counterpart is said, never silently dropped.
    @Test func operationsWithoutAKernelCounterpartSayWhy() {
        guard case .none(let why) = KernelCounterpart.of(.mapResource) else {
            Issue.record("dma_map_resource has no shim entry yet")
            return
        }
        #expect(why.contains("dma_map_resource"))
        #expect(!KernelCounterpart.of(.mapResource).runsOnKernel)
        guard case .outOfScope = KernelCounterpart.of(.enterSecureMode) else {
            Issue.record("the pseries transition is not x86")
            return
        }
        for kind in OperationKind.allCases where kind.rawValue >= OperationKind.vmbusOffer.rawValue
            && kind.rawValue <= OperationKind.nvmeRemove.rawValue
        {
            #expect(KernelCounterpart.of(kind) == .outOfScope("transports are not compiled from the kernel tree"))
        }
    }
}

extension KernelCounterpartTests {
    /// The fast kind lookup the runner uses agrees with the descriptions for every kind.
    @Test func theRunnersKindLookupAgreesWithTheDescriptions() {
        for (_, scenario) in SeedScenarios.dma + SeedScenarios.vmbus + SeedScenarios.virtio + SeedScenarios.passthrough {
            for op in scenario.operations { #expect(KernelCounterpart.kind(op) == op.kind) }
        }
    }
}
