import BouncerModel
import BouncerPolicy

extension Guest {
    /// netvsc's send-buffer section size: packets up to this size are copied into the send buffer
    /// (`netvsc_copy_to_send_buf()`); larger ones go as page buffers.
    static let sendSectionSize: UInt32 = 2048
    /// `channel->max_pkt_size`: the private buffer `hv_pkt_iter_first()` copies a packet into.
    static let maxPacketSize: UInt32 = 4096

    /// An outbound request with a data buffer: storvsc's `storvsc_queuecommand()` maps the
    /// scatterlist (`scsi_dma_map()`) in either direction; netvsc's `netvsc_send()` copies a small
    /// packet into the send buffer, and maps a larger one `DMA_TO_DEVICE` (`netvsc_dma_map()`).
    /// The request id comes from `vmbus_next_request_id()`; the packet with the DMA addresses is
    /// written into the outbound ring (`vmbus_sendpacket_mpb_desc()`).
    public mutating func vmbusSend(_ ch: Int, buffer: Int, offset: UInt32, size: UInt32, direction: DmaDirection) -> Bool {
        guard channels[ch].state == .open, !channels[ch].rescinded, let ring = channels[ch].ring,
            buffer < system.buffers.count, system.buffers[buffer].live
        else { return false }
        let b = system.buffers[buffer]
        let slice = ByteSlice(offset: offset, size: size, within: b.size)
        let offset = slice.offset, size = slice.size
        let isNetvsc = channels[ch].offer.deviceClass == .netvsc
        if isNetvsc, size <= Self.sendSectionSize, let send = channels[ch].sendBuffer {
            // The CPU copies the packet into a send-buffer section the host reads: given on purpose.
            system.copyIntoBlock(send.block, offset: 0, from: b.phys + UInt64(offset), size: size)
            system.cpuWriteBlock(ring.block, offset: 0, size: VmbusChannel.completionPacketSize)
            return true
        }
        let direction = isNetvsc ? .toDevice : direction
        guard let mapping = system.dmaMapPhys(
            device: channels[ch].device, phys: b.phys + UInt64(offset), size: size, direction: direction, attrs: [])
        else { return false }
        system.markTransportMapping(mapping)
        let id: Int
        if let free = channels[ch].requests.firstIndex(where: { $0 == nil }) {
            id = free
        } else {
            id = channels[ch].requests.count
            channels[ch].requests.append(nil)
        }
        channels[ch].requests[id] = VmbusRequest(mapping: mapping, buffer: buffer)
        system.cpuWriteBlock(ring.block, offset: 0, size: VmbusChannel.completionPacketSize)
        return true
    }

    /// The host completes a request: it writes a completion packet into the inbound ring, and
    /// the channel callback reads it. `hv_pkt_iter_first()` fetches `len8` once, clamps it to the
    /// bytes available and the private buffer and copies the packet out; the driver parses the
    /// copy. Parsed in place (the old way), the length is fetched again when the driver uses it,
    /// and the host may have rewritten it in between (`rewrittenLength`). `vmbus_request_addr()`
    /// accepts only an outstanding id (1-based), which the driver completes and unmaps.
    public mutating func vmbusHostCompletion(_ ch: Int, requestId: UInt32, packetLength: UInt32, rewrittenLength: UInt32) {
        guard channels[ch].state == .open, let ring = channels[ch].ring else { return }
        guard let length = receivePacket(ch, ring: ring, length: packetLength, rewritten: rewrittenLength) else { return }
        guard length >= 16 else {
            channels[ch].droppedPackets += 1
            return
        }
        let id = Int(requestId) - 1
        guard id >= 0, id < channels[ch].requests.count, let request = channels[ch].requests[id] else {
            channels[ch].droppedPackets += 1
            return
        }
        channels[ch].requests[id] = nil
        system.dmaUnmapPhys(request.mapping)
    }

    /// netvsc receives: the host fills a section of the receive buffer and sends an RNDIS packet
    /// naming it by offset and length. `netvsc_receive()` drops a section outside the buffer, then
    /// copies the data out into an skb. Fetched in place, the length can change between the check
    /// and the copy.
    public mutating func netvscHostReceive(_ ch: Int, offset: UInt32, length: UInt32, rewrittenLength: UInt32) {
        guard channels[ch].state == .open, channels[ch].offer.deviceClass == .netvsc, let ring = channels[ch].ring,
            let receive = channels[ch].receiveBuffer
        else { return }
        let block = system.blocks[receive.block]
        let bufferSize = UInt32(block.pages) << 12
        // The host writes the data where it can (the buffer is shared unless co_external_memory).
        var written: UInt32 = 0
        while written < min(length, bufferSize &- min(offset, bufferSize)) {
            let at = offset + written
            let n = min(4096 - (at & 4095), length - written)
            system.hostWrite(page: block.firstPage + Int(at >> 12), offset: at & 4095, size: n)
            written += n
        }
        guard receivePacket(ch, ring: ring, length: 64, rewritten: 64) != nil else { return }
        let field = sharedField(.netvscSectionLength, of: ch)
        system.record(.sharedFieldFetched(field: field, value: UInt64(length), what: .netvscReceive))
        guard offset <= bufferSize, length <= bufferSize - offset else {
            channels[ch].droppedPackets += 1
            return
        }
        var used = length
        if !d.vmbusParsesPrivateCopy(behaviourTerms) {
            used = rewrittenLength
            system.record(.sharedFieldFetched(field: field, value: UInt64(used), what: .netvscReceive))
        }
        system.record(.driverCopied(
            phys: PhysAddr(block.phys + UInt64(offset)), size: UInt64(used), objectPhys: PhysAddr(block.phys), objectSize: UInt64(bufferSize),
            what: .netvscReceive))
    }

    /// `hv_pkt_iter_first()`: the length the driver goes on with, or nil when the ring is empty.
    mutating func receivePacket(_ ch: Int, ring: Gpadl, length: UInt32, rewritten: UInt32) -> UInt32? {
        let block = system.blocks[ring.block]
        // The inbound ring is the second half of the block; its first page holds the indices.
        let inboundData = block.firstPage + VmbusChannel.ringPages + 1
        system.hostWrite(page: inboundData, offset: 0, size: min(max(length, 16), 4096))
        let field = sharedField(.vmbusPacketLength, of: ch)
        system.record(.sharedFieldFetched(field: field, value: UInt64(length), what: .vmbusPacket))
        let dataPhys = GuestMemory.phys(ofPage: inboundData)
        if d.vmbusParsesPrivateCopy(behaviourTerms) {
            let clamped = min(length, VmbusChannel.ringDataSize, Self.maxPacketSize)
            system.record(.driverCopied(
                phys: PhysAddr(dataPhys), size: UInt64(clamped), objectPhys: PhysAddr(dataPhys), objectSize: UInt64(VmbusChannel.ringDataSize),
                what: .vmbusPacket))
            return clamped
        }
        // In place: the driver's own check, then a second fetch when it uses the length.
        guard length <= VmbusChannel.ringDataSize else {
            channels[ch].droppedPackets += 1
            return nil
        }
        system.record(.sharedFieldFetched(field: field, value: UInt64(rewritten), what: .vmbusPacket))
        system.record(.driverCopied(
            phys: PhysAddr(dataPhys), size: UInt64(rewritten), objectPhys: PhysAddr(dataPhys), objectSize: UInt64(VmbusChannel.ringDataSize),
            what: .vmbusPacket))
        return rewritten
    }
}
