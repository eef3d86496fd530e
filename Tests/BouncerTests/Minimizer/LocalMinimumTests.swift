import BouncerMinimizer
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// The inputs on which deleting and simplifying one operation at a time stopped short of the
/// hand-written sequence (MinimizerTests' long random inputs, where they stopped), and what the
/// moves tried at such a local minimum make of them.
@Suite struct LocalMinimumTests {
    /// CVE-2022-0854 on a restricted-dma-pool device: the host plants a byte in a free slot of
    /// the pool (page 124), and the last mapping, whose slot lands there because of every mapping
    /// and allocation before it, copies it into its buffer. Deleting any of those moved the slot
    /// off page 124; anchored to the mapping that takes it in, the write moves with the slot.
    @Test func aWriteIntoAFreeSlotFollowsTheMappingThatTakesItIn() throws {
        let map1: GuestOperation = .mapBuffer(device: 0, buffer: 1, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false)
        let ops: [GuestOperation] = [
            .probeDevice(DeviceConfig(restrictedPool: true)),
            .allocCoherent(device: 0, size: 1, blocking: false),
            .kmalloc(size: 12288, zone: .normal),
            .mapSg(device: 0, buffers: [0], direction: .toDevice),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 2905, direction: .toDevice, skipCpuSync: false),
            .kmalloc(size: 1, zone: .normal),
            map1,
            .hostWrite(page: 124, offset: 0, size: 1),
            .allocCoherent(device: 0, size: 1, blocking: false),
            map1, map1,
            .kmalloc(size: 1, zone: .normal),
            .kmalloc(size: 1, zone: .normal),
            .mapBuffer(device: 0, buffer: 3, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false),
            .unbind(device: 0),
            .allocCoherent(device: 0, size: 1, blocking: false),
            .mapBuffer(device: 0, buffer: 2, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 5095, direction: .fromDevice, skipCpuSync: false),
            .syncForCpu(mapping: 7, offset: 0, size: 5257),
        ]
        let bug = profile("cve-2022-0854")
        let outcome = try #require(Minimizer.minimize(Scenario(platform: .tdx, operations: ops), profile: bug))
        #expect(outcome.minimal.operations == [
            .probeDevice(untrusted),
            .kmalloc(size: 1, zone: .normal),
            // The first page of the default pool's slots, where the one mapping's slot is.
            .hostWrite(page: GuestMemory.page(ofPhys: Runner(platform: .tdx, profile: bug).system.swiotlbPools[0].start)!, offset: 0, size: 1),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: 1, direction: .fromDevice, skipCpuSync: false),
            .syncForCpu(mapping: 0, offset: 0, size: 1),
        ], "\(outcome.minimal.operations)")
        #expect(outcome.violation.invariant == .confStale)
    }

    /// virtio-ring-unmap-2021: the device points the posted buffer's descriptor at a mapping of
    /// another device's driver (over a VMBus channel), and the unmap that follows goes there.
    /// Neither that mapping nor the channel could go while the descriptor named it; pointed at
    /// the posted buffer's own mapping, one slot in, it breaks the same invariant without them.
    @Test func aReferenceMovedToAnotherObjectOfItsKindLetsTheFirstGo() throws {
        let ops: [GuestOperation] = [
            .kmalloc(size: 1, zone: .normal),
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]),
            .kmalloc(size: 1, zone: .normal),
            .vmbusOffer(VmbusOffer(deviceClass: .storvsc, coRingBuffer: false, coExternalMemory: false), legacyHost: false),
            .mapBuffer(device: 1, buffer: 0, offset: 0, size: 1, direction: .toDevice, skipCpuSync: false),
            .virtioAddBuffer(virtio: 0, buffer: 1, offset: 0, size: 1, deviceWrites: false),
            .virtioHostDescriptor(virtio: 0, id: 0, mapping: 0, offset: 0, length: 1, deviceWrites: false),
            .virtioHostUsed(virtio: 0, id: 0, length: 1),
        ]
        let bug = profile("virtio-ring-unmap-2021")
        let outcome = try #require(Minimizer.minimize(Scenario(platform: .tdx, operations: ops), profile: bug))
        #expect(outcome.minimal.operations == [
            .virtioProbe(transport: .pci, features: [.version1, .accessPlatform]),
            .kmalloc(size: 1, zone: .normal),
            .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 1, deviceWrites: false),
            // IO_TLB_SIZE past the start of its own slot: into the next one, which no mapping holds.
            .virtioHostDescriptor(virtio: 0, id: 0, mapping: 0, offset: 2048, length: 1, deviceWrites: false),
            .virtioHostUsed(virtio: 0, id: 0, length: 1),
        ], "\(outcome.minimal.operations)")
        #expect(outcome.violation.invariant == .safeLifecycle)
    }
}
