import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

/// A finding: arm64 realms, pKVM guests and pseries secure VMs install no
/// `virtio_check_mem_acc_cb()`, so a host that leaves out ACCESS_PLATFORM gets a device the guest
/// drives by private guest-physical address (seed 003 is the pseries side of it).
@Suite struct VirtioAccessPlatformFindingTests {
    @Test func withoutTheCallbackTheGuestHandsOutPrivateAddresses() {
        for platform in [PlatformKind.cca, .pkvm] {
            let v = run([.virtioProbe(transport: .pci, features: .version1)], on: platform).firstViolation
            #expect(v?.invariant == .confBounce, "\(platform)")
        }
        let pseries = run([.enterSecureMode, .virtioProbe(transport: .pci, features: .version1)], on: .pseriesSvm)
        #expect(pseries.firstViolation?.invariant == .confBounce)
    }

    @Test func withAccessPlatformOfferedTheSamePlatformsAreClean() {
        for platform in [PlatformKind.cca, .pkvm] {
            #expect(run([.virtioProbe(transport: .pci, features: modern)], on: platform).violations.isEmpty, "\(platform)")
        }
    }

    /// Seed 003: a device the firmware used before the transition is removed first; the
    /// transition waits for it.
    @Test func secureModeWaitsForLiveVirtqueues() {
        let r = run([.virtioProbe(transport: .pci, features: .version1), .enterSecureMode], on: .pseriesSvm)
        #expect(r.trace.last?.contains("skipped") == true)
    }
}
