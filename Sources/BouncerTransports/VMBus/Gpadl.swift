import BouncerModel
import BouncerPolicy

extension Guest {
    /// `__vmbus_establish_gpadl()`: decrypt the whole buffer (unless the channel keeps it private),
    /// then describe it to the host. `gpadl->decrypted` is set before the conversion and cleared only
    /// by a successful re-encryption, so a failed conversion leaves it set and the caller leaks.
    /// A host that refuses the GPADL (`creation_status != 0`) or a rescinded channel makes the
    /// guest re-encrypt on the error path.
    mutating func establishGpadl(_ ch: Int, block: Int, isRing: Bool) -> Gpadl {
        let offer = channels[ch].offer
        let decrypts = d.gpadlDecrypts(
            platformTerms, isRing: isRing, coRingBuffer: offer.coRingBuffer, coExternalMemory: offer.coExternalMemory)
        var gpadl = Gpadl(block: block, decrypted: decrypts, established: false)
        if decrypts, !system.shareBlock(block) {
            gpadl.failure = .decryptFailed
            return gpadl
        }
        if channels[ch].rescinded || hostFailsNextGpadl {
            hostFailsNextGpadl = false
            reencrypt(&gpadl)
            return gpadl
        }
        gpadl.established = true
        // A confidential ring is read by the paravisor, not by the host's device model.
        if gpadl.decrypted || offer.coExternalMemory {
            let b = system.blocks[block]
            system.handOut(device: channels[ch].device, phys: b.phys, size: UInt32(b.pages) << 12, shared: gpadl.decrypted)
        }
        return gpadl
    }

    /// `vmbus_teardown_gpadl()`: ask the host to drop the GPADL (skipped once the channel is
    /// rescinded), then re-encrypt; `decrypted` ends up as whether that failed. A host that does
    /// not answer the teardown leaves the return value to the re-encryption, as the kernel does.
    mutating func teardownGpadl(_ ch: Int, _ gpadl: inout Gpadl) {
        if gpadl.established, !channels[ch].rescinded, hostFailsNextGpadl {
            hostFailsNextGpadl = false
        }
        gpadl.established = false
        reencrypt(&gpadl)
    }

    /// `set_memory_encrypted()` of a GPADL's buffer, if it was decrypted; `decrypted` stays set
    /// when that fails.
    mutating func reencrypt(_ gpadl: inout Gpadl) {
        guard gpadl.decrypted else { return }
        if system.unshareBlock(gpadl.block) {
            gpadl.decrypted = false
        } else {
            gpadl.failure = .reencryptFailed
        }
    }

    /// What the caller does with a GPADL's memory after teardown: free it when it is private again
    /// (`vmbus_free_ring()`, `free_netvsc_device()`), leak it when `decrypted` is still set, unless
    /// the profile frees it anyway (the bugs fixed in 2024).
    mutating func releaseGpadlMemory(_ gpadl: Gpadl) {
        if gpadl.decrypted && d.gpadlLeaksAfterFailure(behaviourTerms) {
            system.leakBlock(gpadl.block, gpadl.failure ?? .reencryptFailed)
        } else {
            system.freeBlock(gpadl.block)
        }
    }
}
