import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports
import Testing

/// Regression: SAFE-HOSTINPUT under `virtio-ring-unmap-2021` on tdx, minimised from
/// 7 to 7 operations (from `reproducers/prove-virtio-ring-unmap-2021-POLICY-VIRTIO-DMA-METADATA-virtio-counterexample.bounce`). Written again by
/// `bouncer minimize Corpus/regressions/virtio/virtio-ring-unmap-2021--safeHostInput_virtioRingUnmap2021_tdx.bounce --target virtio --profile virtio-ring-unmap-2021 --name safeHostInput_virtioRingUnmap2021_tdx`.
/// No host-controlled value makes the guest copy out of bounds.
/// Found: mapping 0, slot 0x40000800: swiotlb_bounce copied 1 bytes from the slot at original 0x100012040, outside the mapping 0x100012000+1
@Test func safeHostInput_virtioRingUnmap2021_tdx() throws {
    let operations: [GuestOperation] = [
        .virtioProbe(transport: .pci, features: VirtioFeatures(rawValue: 3)),  // virtio_dev_probe(virtio-pci, device offers VERSION_1|ACCESS_PLATFORM)
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .kmalloc(size: 1, zone: .normal),  // kmalloc(1, GFP_KERNEL)
        .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 1, deviceWrites: false),  // virtqueue_add_outbuf(virtio 0, buffer 0 +0, 1)
        .virtioAddBuffer(virtio: 0, buffer: 1, offset: 0, size: 1, deviceWrites: false),  // virtqueue_add_outbuf(virtio 0, buffer 1 +0, 1)
        .virtioHostDescriptor(virtio: 0, id: 0, mapping: 1, offset: 0, length: 1, deviceWrites: true),  // device rewrites vring.desc[0] of virtio 0: addr = mapping 1's + 0, len 1, VRING_DESC_F_WRITE
        .virtioHostUsed(virtio: 0, id: 0, length: 1),  // device marks id 0 used on virtio 0 with len 1
    ]
    let profile = Profile.builtIn(named: "virtio-ring-unmap-2021")!
    let result = Runner.run(Scenario(platform: .tdx, operations: operations), profile: profile)
    #expect(result.firstViolation?.invariant == .safeHostInput, "\(result.violations)")
    #expect(result.steps == operations.count)
}
