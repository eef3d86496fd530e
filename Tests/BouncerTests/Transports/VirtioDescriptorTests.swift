import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// The descriptor table the device can rewrite, and what `vring_unmap_one_split()` unmaps with
/// (72b5e8958738).
@Suite struct VirtioDescriptorTests {
    static let rewritten = SeedScenarios.virtioDescriptorRewritten

    @Test func theDriverUnmapsFromDescExtraWhateverTheRingSays() {
        let result = Runner.run(Scenario(platform: .tdx, operations: Self.rewritten), profile: .linuxUpstream)
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.steps == Self.rewritten.count)
    }

    /// Before 72b5e8958738 the unmap goes where the device pointed it: buffer 1's slot is bounced
    /// into buffer 1 on behalf of mapping 0 (outside mapping 0), and its slots are released while
    /// buffer 1 is still posted.
    @Test func beforeTheFixTheUnmapGoesWhereTheDevicePointedIt() {
        let profile = Profile.builtIn(named: "virtio-ring-unmap-2021")!
        let result = Runner.run(Scenario(platform: .tdx, operations: Self.rewritten), profile: profile)
        #expect(result.firstViolation?.invariant == .safeHostInput, "\(result.violations)")
        #expect(result.firstViolation?.site == .bounceCopy)
        #expect(result.firstViolation?.step == Self.rewritten.count - 1)
    }

    /// The rewrite reaches the host-visible ring only: a ring the host cannot write is not rewritten.
    @Test func theDeviceRewritesOnlyARingItCanWrite() {
        var g = Guest(platform: .tdx, behaviours: Behaviours())
        _ = g.apply(.virtioProbe(transport: .pci, features: [.version1, .accessPlatform]))
        _ = g.apply(.kmalloc(size: 64, zone: .normal))
        _ = g.apply(.virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 64, deviceWrites: true))
        let before = g.virtio[0].queue!.descriptors[0]
        #expect(before.addr == g.system.mappings[0].dma && before.len == 64 && before.deviceWrites)
        #expect(g.apply(.virtioHostDescriptor(virtio: 0, id: 0, mapping: 0, offset: 8, length: 9, deviceWrites: false)) == .done)
        #expect(g.virtio[0].queue!.descriptors[0] == VringDesc(addr: before.addr + 8, len: 9, deviceWrites: false))
        #expect(g.apply(.virtioHostDescriptor(virtio: 0, id: 0, mapping: 5, offset: 0, length: 9, deviceWrites: false)) == .skipped)
    }
}
