/// What the transports decide, written once over any domain like the dma-direct decisions: the
/// model runs them on constants, the prover on Z3 terms.
extension PolicyDomain {
    // MARK: VMBus

    /// `vmbus_onoffer()` with the Confidential VMBus series: an offer with `co_external_memory`
    /// but not `co_ring_buffer`, or with either flag on a connection that is not confidential
    /// (`vmbus_is_confidential()`) or older than `VERSION_WIN10_V6_0`, is dropped.
    @inlinable public func vmbusOfferValid(
        coRingBuffer: Boolean, coExternalMemory: Boolean, confidentialConnection: Boolean
    ) -> Boolean {
        let flags = or(coRingBuffer, coExternalMemory)
        return and(not(and(coExternalMemory, not(coRingBuffer))), not(and(flags, not(confidentialConnection))))
    }

    /// `vmbus_device_register()` with seed 000: a device whose channel has `co_external_memory`
    /// DMAs straight into private memory, so the kernel accepts it as trusted and disables its
    /// swiotlb (`swiotlb_dev_disable()`). Under the old behaviour it is an ordinary VMBus device.
    @inlinable public func vmbusDeviceAccepted(coExternalMemory: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        and(coExternalMemory, b.externalMemoryAccepted)
    }

    /// `__vmbus_establish_gpadl()`: a GPADL is decrypted for the host unless the channel keeps it in
    /// private memory (`co_ring_buffer` for the ring, `co_external_memory` for other buffers).
    @inlinable public func gpadlDecrypts(
        _ p: PlatformTerms<Self>, isRing: Boolean, coRingBuffer: Boolean, coExternalMemory: Boolean
    ) -> Boolean {
        and(p.confidential, not(select(isRing, coRingBuffer, coExternalMemory)))
    }

    /// After a GPADL's conversion failed or the host kept it (`gpadl->decrypted` still set): leak
    /// the memory (`vmbus_free_ring()`, `netvsc` and `hv_uio` since 2024), or free it.
    @inlinable public func gpadlLeaksAfterFailure(_ b: BehaviourTerms<Self>) -> Boolean { b.leakGpadlOnFailure }

    /// Whether the driver parses an inbound packet from its private copy (`hv_pkt_iter_first()`
    /// copying it out of the ring) rather than from the ring the host can rewrite.
    @inlinable public func vmbusParsesPrivateCopy(_ b: BehaviourTerms<Self>) -> Boolean { b.inboundCopied }

    // MARK: virtio

    /// `virtio_dev_probe()` negotiates the proposed `VIRTIO_F_SWIOTLB` (seed 001) when the device
    /// offers it and the driver's feature table has it, which only a kernel with the proposal
    /// does: the device then brings its own bounce region.
    @inlinable public func virtioNegotiatesSwiotlb(offered: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        and(offered, b.virtioSwiotlb)
    }

    /// `virtio_features_ok()`: with restricted memory access (`virtio_check_mem_acc_cb()`, set on
    /// x86 and s390 confidential guests) a device must offer `VIRTIO_F_VERSION_1` and
    /// `VIRTIO_F_ACCESS_PLATFORM`; with a negotiated `VIRTIO_F_SWIOTLB` (`swiotlbRegion`,
    /// `virtioNegotiatesSwiotlb`) a device is accepted without ACCESS_PLATFORM.
    @inlinable public func virtioFeaturesOk(
        _ p: PlatformTerms<Self>, version1: Boolean, accessPlatform: Boolean, swiotlbRegion: Boolean,
        _ b: BehaviourTerms<Self>
    ) -> Boolean {
        let platformOk = or(accessPlatform, swiotlbRegion)
        return or(not(and(p.restrictedVirtioMemoryAccess, b.accessPlatformRequired)), and(version1, platformOk))
    }

    /// `vring_use_dma_api()`: only a device that negotiated `VIRTIO_F_ACCESS_PLATFORM` (no DMA
    /// quirk) goes through the DMA API; otherwise rings and buffers are given to it by guest
    /// physical address. A negotiated `VIRTIO_F_SWIOTLB` also uses the DMA API, with the device's
    /// bounce region as its pool.
    @inlinable public func vringUseDmaApi(accessPlatform: Boolean, swiotlbRegion: Boolean) -> Boolean {
        or(accessPlatform, swiotlbRegion)
    }

    /// The driver's check of a used length against the buffer it posted (`receive_small()`'s
    /// `len > GOOD_PACKET_LEN`, virtio-blk's status byte): true when it goes on to consume `length`
    /// bytes.
    @inlinable public func virtioUsedLengthAccepted(length: Word, bufferLength: Word, _ b: BehaviourTerms<Self>) -> Boolean {
        or(not(b.usedLenChecked), not(lessThan(bufferLength, length)))
    }

    /// `detach_buf_split()` → `vring_unmap_one_split()`: the DMA address, length and direction the
    /// driver unmaps a detached buffer with. Since 72b5e8958738 (v5.14) they come from the private
    /// `desc_extra` the driver filled when it added the buffer; before, from the descriptor in the
    /// ring, which the device may have rewritten in the meantime.
    @inlinable public func virtioUnmapAddress(recorded: Word, ring: Word, _ b: BehaviourTerms<Self>) -> Word {
        select(b.dmaMetadataPrivate, recorded, ring)
    }

    @inlinable public func virtioUnmapLength(recorded: Word, ring: Word, _ b: BehaviourTerms<Self>) -> Word {
        select(b.dmaMetadataPrivate, recorded, ring)
    }

    /// `VRING_DESC_F_WRITE`, which says the direction (`DMA_FROM_DEVICE` when set).
    @inlinable public func virtioUnmapDeviceWrites(recorded: Boolean, ring: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        select(b.dmaMetadataPrivate, recorded, ring)
    }
}
