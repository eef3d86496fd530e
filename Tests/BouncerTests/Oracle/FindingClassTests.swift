import Foundation
@testable import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Testing

/// What a finding means (`FindingClass`): the check that finds a violation says whether the host
/// can read undisclosed bytes, steer what the guest reads, or neither (a contract break the
/// hardware contains). The invariant alone cannot: CONF-BOUNCE is all three.
@Suite struct FindingClassTests {
    /// An address written for device 0 outside the DMA API, to a kmalloc'd page whose state is set
    /// by hand: the oracle's verdict on the hand-out.
    static func handOut(_ kind: PlatformKind, pageState: PageState, dmaOffset: UInt64 = 0) throws -> Violation {
        var s = system(kind)
        var oracle = Oracle(booted: s)
        let handle = s.kmalloc(size: 4096)
        let b = try #require(handle)
        let page = try #require(GuestMemory.page(ofPhys: s.buffers[b].phys))
        s.memory.setState(page, pageState)
        s.beginStep()
        s.record(.handedOut(device: 0, dma: DmaAddr(s.buffers[b].phys &+ dmaOffset), size: 4096, mapping: nil, coherent: nil))
        return try #require(oracle.check(s, step: 0).first)
    }

    @Test func aPrivatePageHandedToAnUntrustedDeviceIsAContractBreak() throws {
        let v = try Self.handOut(.pkvm, pageState: .encrypted)
        #expect(v.invariant == .confBounce && v.findingClass == .contractBreak, "\(v)")
        #expect(v.description.hasPrefix("CONF-BOUNCE (contract break, no exposure) at step 0: "))
    }

    /// The same hand-out of a page that is shared but not on purpose: what the guest writes there,
    /// believing it private, the host reads.
    @Test(arguments: [PageState.decrypted, .unknown])
    func aSharedPageNotSharedOnPurposeIsABreach(_ state: PageState) throws {
        let v = try Self.handOut(.pkvm, pageState: state)
        #expect(v.invariant == .confBounce && v.findingClass == .confidentialityBreach, "\(v)")
    }

    /// CCA without `PROT_NS_SHARED`: the private alias; the RMM keeps the host out.
    @Test func thePrivateAliasIsAContractBreak() throws {
        let v = try Self.handOut(.cca, pageState: .decrypted)
        #expect(v.detail.contains("(private) alias") && v.findingClass == .contractBreak, "\(v)")
    }

    /// An address that leads outside guest memory: the device reads and writes what the host put
    /// there; nothing of the guest's is exposed, but what it reads back is the host's.
    @Test func anAddressOutsideGuestMemoryIsAnIntegrityBreach() throws {
        let v = try Self.handOut(.tdx, pageState: .decrypted, dmaOffset: 1 << 40)
        #expect(v.detail.contains("outside guest memory") && v.findingClass == .integrityBreach, "\(v)")
    }

    /// Each open finding's regression input meets it with the class its record states, and the
    /// record's class is one its invariant can take.
    @Test(arguments: KnownFindings.all.indices)
    func eachKnownFindingHasTheClassItsViolationCarries(_ i: Int) throws {
        let f = KnownFindings.all[i]
        let bytes = try #require(FileManager.default.contents(atPath: "\(packageRoot)/\(f.regression)"))
        let run = Runner.runPastKnown(ScenarioCodec.decode([UInt8](bytes), target: f.target), profile: .linuxUpstream)
        let met = try #require(run.known.first[i], "\(f.id) not met by \(f.regression)")
        #expect(met.findingClass == f.findingClass, "\(f.id): \(met)")
        #expect(f.invariant.possibleClasses.contains(f.findingClass))
    }

    @Test func virtioWithoutAccessPlatformIsAContractBreakAndShareInPlaceABreach() throws {
        let classes = Dictionary(uniqueKeysWithValues: KnownFindings.all.map { ($0.id, $0.findingClass) })
        #expect(classes["virtio-without-access-platform"] == .contractBreak)
        #expect(classes["share-in-place-stale-page"] == .confidentialityBreach)
        #expect(classes["pkvm-dma-to-private-memory"] == .contractBreak)
        // A restricted-dma-pool on mainline pKVM is left private (d5fd03cdd6c0), not recorded
        // private while shared: no pKVM record is a confidentiality breach.
        #expect(!KnownFindings.all.contains { $0.platforms.contains(.pkvm) && $0.findingClass == .confidentialityBreach })
    }

    @Test func everyInvariantsDefaultClassIsOneItCanTake() {
        for id in InvariantID.allCases { #expect(id.possibleClasses.contains(id.defaultClass), "\(id)") }
        #expect(InvariantID.confPrivate.possibleClasses == [.confidentialityBreach])
    }
}
