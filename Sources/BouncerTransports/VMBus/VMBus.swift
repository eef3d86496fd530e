import BouncerModel
import BouncerPolicy

extension Guest {
    /// Whether this guest's VMBus connection is confidential (`Platform.confidentialVmbus`).
    var confidentialVmbus: Bool { system.platform.confidentialVmbus }

    /// `vmbus_onoffer()` then `vmbus_device_register()`: an offer with `co_external_memory` but no
    /// `co_ring_buffer`, or with either flag when the connection is not confidential or older than
    /// `VERSION_WIN10_V6_0`, is dropped. An accepted offer gets a device with a 64-bit mask; with
    /// `co_external_memory` that device really is inside the trust boundary, and the kernel knows it
    /// only when the profile accepts it (seed 000). Returns the channel handle.
    public mutating func vmbusOffer(_ offer: VmbusOffer, legacyHost: Bool) -> Int {
        let valid = d.vmbusOfferValid(
            coRingBuffer: offer.coRingBuffer, coExternalMemory: offer.coExternalMemory,
            confidentialConnection: confidentialVmbus && !legacyHost)
        let accepted = d.vmbusDeviceAccepted(coExternalMemory: offer.coExternalMemory, behaviourTerms)
        var device = -1
        if valid {
            device = system.probeDevice(DeviceConfig(
                trusted: offer.coExternalMemory, dmaMaskBits: 64, swiotlbDisabled: accepted,
                minAlignMask: offer.deviceClass == .storvsc ? 0xFFF : 0, accepted: accepted))
            system.markTransportDevice(device)
        }
        channels.append(VmbusChannel(offer: offer, state: valid ? .offered : .refused, device: device))
        return channels.count - 1
    }

    /// `vmbus_open()`: `vmbus_alloc_ring()` (zeroed pages), the ring's GPADL, then for netvsc
    /// `netvsc_init_buf()`'s receive and send buffers (`vzalloc()` and a buffer GPADL each). A
    /// failed GPADL fails the open and its memory goes through the same free-or-leak rule.
    public mutating func vmbusOpen(_ ch: Int) -> Bool {
        guard channels[ch].state == .offered || channels[ch].state == .closed, !channels[ch].rescinded else { return false }
        guard let ringBlock = system.allocBlock(pages: 2 * VmbusChannel.ringPages, highest: .normal, purpose: .vmbusRing)
        else { return false }
        let ring = establishGpadl(ch, block: ringBlock, isRing: true)
        guard ring.established else {
            releaseGpadlMemory(ring)
            return false
        }
        channels[ch].ring = ring
        channels[ch].state = .open
        channels[ch].requests = []
        if channels[ch].offer.deviceClass == .netvsc {
            channels[ch].receiveBuffer = netvscBuffer(ch, pages: VmbusChannel.receiveBufferPages)
            channels[ch].sendBuffer = netvscBuffer(ch, pages: VmbusChannel.sendBufferPages)
            if channels[ch].receiveBuffer == nil || channels[ch].sendBuffer == nil {
                vmbusClose(ch)
                return false
            }
        }
        return true
    }

    /// `netvsc_init_buf()`: `vzalloc()` then `vmbus_establish_gpadl()`. On failure the buffer is
    /// released by the GPADL rule and the device open fails.
    mutating func netvscBuffer(_ ch: Int, pages: Int) -> Gpadl? {
        guard let block = system.allocBlock(pages: pages, highest: .normal, purpose: .gpadlBuffer) else { return nil }
        let gpadl = establishGpadl(ch, block: block, isRing: false)
        guard gpadl.established else {
            releaseGpadlMemory(gpadl)
            return nil
        }
        return gpadl
    }

    /// The driver's remove and `vmbus_close()`: outstanding requests are completed with an error
    /// and unmapped; netvsc tears its buffers' GPADLs down after the close (`netvsc_device_remove()`
    /// on VERSION_WIN10 and later) and `free_netvsc_device()` frees or leaks them; the ring's GPADL
    /// goes in `vmbus_close_internal()` and `vmbus_free_ring()` frees or leaks the ring.
    public mutating func vmbusClose(_ ch: Int) {
        guard channels[ch].state == .open else { return }
        for id in channels[ch].requests.indices {
            if let request = channels[ch].requests[id] {
                system.dmaUnmapPhys(request.mapping)
                channels[ch].requests[id] = nil
            }
        }
        channels[ch].state = .closed
        if var ring = channels[ch].ring {
            teardownGpadl(ch, &ring)
            releaseGpadlMemory(ring)
            channels[ch].ring = nil
        }
        for keyPath in [\VmbusChannel.receiveBuffer, \VmbusChannel.sendBuffer] {
            guard var buffer = channels[ch][keyPath: keyPath] else { continue }
            teardownGpadl(ch, &buffer)
            releaseGpadlMemory(buffer)
            channels[ch][keyPath: keyPath] = nil
        }
    }

    /// `vmbus_onoffer_rescind()`: the host withdraws the channel; `channel->rescind` makes GPADL
    /// teardown skip the host round trip, and the device's removal closes the channel.
    public mutating func vmbusRescind(_ ch: Int) {
        guard channels[ch].state != .refused, !channels[ch].rescinded else { return }
        channels[ch].rescinded = true
        vmbusClose(ch)
    }
}
