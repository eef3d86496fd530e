import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

@Suite struct VirtqueueTests {
    let posted: [GuestOperation] = [
        .virtioProbe(transport: .pci, features: modern), .kmalloc(size: 2048, zone: .normal),
        .virtioAddBuffer(virtio: 0, buffer: 0, offset: 0, size: 2048, deviceWrites: true),
    ]

    /// `virtqueue_get_buf_ctx_split()`: the device's data comes back through the bounce slot.
    @Test func usedBufferIsUnmappedAndReadBack() {
        let ops = posted + [.virtioHostUsed(virtio: 0, id: 0, length: 1500)]
        #expect(run(ops).violations.isEmpty)
        let g = guest(ops)
        #expect(!g.system.mappings[0].live && g.virtio[0].queue?.heads[0] == nil)
    }

    /// An id out of range, or not a head, is `BAD_RING()`: the queue stops, nothing is unmapped.
    @Test func badIdBreaksTheQueue() {
        for id: UInt32 in [5, 200] {
            let g = guest(posted + [.virtioHostUsed(virtio: 0, id: id, length: 64)])
            #expect(g.virtio[0].queue?.broken == true, "id \(id)")
            #expect(g.system.mappings[0].live)
        }
    }

    /// The driver's own check drops a used length beyond its buffer; `virtio-used-len` trusts it and
    /// copies past the buffer (SAFE-HOSTINPUT).
    @Test func usedLengthBeyondTheBuffer() {
        let ops = posted + [.virtioHostUsed(virtio: 0, id: 0, length: 9000)]
        #expect(run(ops).violations.isEmpty)
        #expect(guest(ops).virtio[0].queue?.droppedBuffers == 1)
        #expect(run(ops, profile("virtio-used-len")).firstViolation?.invariant == .safeHostInput)
    }

    /// `remove_vq_common()`: reset first, then unmap every posted buffer from `desc_extra`, then
    /// free the ring.
    @Test func resetUnmapsWhatIsPostedAndFreesTheRing() {
        let ops = posted + [.virtioReset(virtio: 0)]
        let r = run(ops)
        #expect(r.violations.isEmpty)
        #expect(Runner.run(Scenario(platform: .tdx, operations: ops), profile: .linuxUpstream).violations.isEmpty)
        let g = guest(ops)
        #expect(!g.system.mappings[0].live && g.system.coherent.allSatisfy { !$0.live })
    }
}
