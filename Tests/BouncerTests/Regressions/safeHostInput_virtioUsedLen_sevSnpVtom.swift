import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: SAFE-HOSTINPUT under `virtio-used-len` on sev-snp-vtom, minimised from
/// 4 to 4 operations (from `Corpus/regressions/virtio/virtio-used-len--safeHostInput_virtioUsedLen_sevSnpVtom.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/virtio/virtio-used-len--safeHostInput_virtioUsedLen_sevSnpVtom.bounce --target virtio --profile virtio-used-len --name safeHostInput_virtioUsedLen_sevSnpVtom`.
/// No host-controlled value makes the guest copy out of bounds.
/// Found: virtqueue_get_buf (used element), object 0x100010000+1: the driver copied 2 bytes at 0x100010000, outside its object, with a length or offset the host chose
@Test func safeHostInput_virtioUsedLen_sevSnpVtom() throws {
    let operations: [GuestOperation] = [
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .virtioProbe(transport: .pci, features: VirtioFeatures(rawValue: 3)),  // virtio_dev_probe(virtio-pci, device offers VERSION_1|ACCESS_PLATFORM)
        .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 1, deviceWrites: true),  // virtqueue_add_inbuf(virtio 0, buffer 0 +0, 1)
        .virtioHostUsed(virtio: 0, id: 0, length: 2),  // device marks id 0 used on virtio 0 with len 2
    ]
    let profile = Profile.builtIn(named: "virtio-used-len")!
    let result = Runner.run(Scenario(platform: .sevSnpVtom, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .safeHostInput, "\(result.violations)")
    #expect(result.steps == operations.count)
}
