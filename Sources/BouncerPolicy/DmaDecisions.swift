/// The value `dma_map_*()` returns on failure.
public let dmaMappingError: UInt64 = ~0

/// What `dma_direct_map_phys()` decides for one streaming mapping.
public struct MapDecision<D: PolicyDomain> {
    /// Return `DMA_MAPPING_ERROR`.
    public var fail: D.Boolean
    /// Hand the request to `swiotlb_map()`.
    public var bounce: D.Boolean
    /// The direct DMA address, meaningful when neither `fail` nor `bounce`.
    public var dmaAddress: D.Word

    @inlinable init(fail: D.Boolean, bounce: D.Boolean, dmaAddress: D.Word) {
        self.fail = fail
        self.bounce = bounce
        self.dmaAddress = dmaAddress
    }
}

/// What `swiotlb_map()` decides once a pool has been chosen (by `swiotlbPoolServes`).
public struct SwiotlbMapDecision<D: PolicyDomain> {
    /// The DMA address is encoded unencrypted (the pool's state, or always in the old kernel).
    public var sharedEncoding: D.Boolean
    /// The returned address passes `dma_capable()`; if not, the slot is released and the map fails.
    public var capable: D.Boolean
    public var dmaAddress: D.Word

    @inlinable init(sharedEncoding: D.Boolean, capable: D.Boolean, dmaAddress: D.Word) {
        self.sharedEncoding = sharedEncoding
        self.capable = capable
        self.dmaAddress = dmaAddress
    }
}

/// What `dma_direct_alloc()` decides for one coherent allocation.
public struct AllocDecision<D: PolicyDomain> {
    /// `dma_direct_use_pool()`: take it from an atomic pool.
    public var fromAtomicPool: D.Boolean
    /// `is_swiotlb_for_alloc()`: take it from the device's restricted-dma-pool.
    public var fromRestrictedPool: D.Boolean
    /// `dma_set_decrypted()` the fresh pages.
    public var decrypt: D.Boolean
    /// The memory must be shared (`__DMA_ATTR_ALLOC_CC_SHARED`): a pool must be decrypted.
    public var wantShared: D.Boolean

    @inlinable init(fromAtomicPool: D.Boolean, fromRestrictedPool: D.Boolean, decrypt: D.Boolean, wantShared: D.Boolean) {
        self.fromAtomicPool = fromAtomicPool
        self.fromRestrictedPool = fromRestrictedPool
        self.decrypt = decrypt
        self.wantShared = wantShared
    }
}

extension PolicyDomain {
    @inlinable public func same(_ a: Boolean, _ b: Boolean) -> Boolean { or(and(a, b), and(not(a), not(b))) }

    /// `force_dma_unencrypted()`: where the architecture says a protected guest needs shared
    /// memory (`ccMemEncrypt`: not mainline pKVM, whose arm64 answer is `is_realm_world()`) every
    /// device does, except one the guest accepted as trusted where the kernel knows about such devices.
    @inlinable public func forceDmaUnencrypted(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>
    ) -> Boolean {
        and(ccMemEncrypt(p, b), not(and(dev.accepted, b.trustedExempt)))
    }

    /// `is_swiotlb_active()`: the device has a swiotlb to bounce through.
    @inlinable public func swiotlbActive(_ dev: DeviceTerms<Self>) -> Boolean { not(dev.swiotlbDisabled) }

    /// `is_swiotlb_force_bounce()`: a restricted-dma-pool or `swiotlb=force` always bounces; in the `SWIOTLB_FORCE`
    /// era the default pool bounces everything on a platform that forces unencrypted DMA (arm64
    /// `mem_init()` sets `SWIOTLB_FORCE` for realms only, never for pKVM).
    @inlinable public func swiotlbForceBounce(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>
    ) -> Boolean {
        let forcedByPlatform = and(and(ccMemEncrypt(p, b), not(b.ccSharedAttr)), not(and(dev.accepted, b.trustedExempt)))
        return and(swiotlbActive(dev), or(or(dev.restrictedPool, dev.forceBounce), forcedByPlatform))
    }

    /// `dma_capable()`: the last byte is within `min_not_zero(dma_mask, bus_dma_limit)`; with the
    /// `DMA_ATTR_CC_SHARED` series it also refuses an encrypted address for a device that needs
    /// unencrypted DMA.
    @inlinable public func dmaCapable(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>,
        address: Word, size: Word, ccShared: Boolean
    ) -> Boolean {
        let end = subtract(add(address, size), constant(1 as UInt64))
        let inRange = and(
            not(equal(address, constant(dmaMappingError))),
            lessOrEqual(end, minNotZero(dev.dmaMask, dev.busDmaLimit)))
        let encodingMatches = implies(b.ccSharedAttr, implies(forceDmaUnencrypted(p, dev, b), ccShared))
        return and(inRange, encodingMatches)
    }

    /// `dma_direct_map_phys()`.
    ///
    /// With the `DMA_ATTR_CC_SHARED` series (v6 09/20 "dma-direct: make dma_direct_map_phys()
    /// honor DMA_ATTR_CC_SHARED", June 2026; v7 16/22 the same for a guest): MMIO of a device that
    /// needs unencrypted DMA counts as shared; forced bouncing bounces every request, a shared one
    /// too, and refuses MMIO and `DMA_ATTR_REQUIRE_COHERENT`; otherwise the address is encoded from
    /// the attribute (MMIO included) and a request `dma_capable()` refuses is bounced unless it is
    /// MMIO or must stay coherent. Before it (v6.12 `dma_direct_map_page()` and
    /// `dma_direct_map_resource()`): forced bouncing bounces RAM, MMIO is mapped at its physical
    /// address whatever is forced, and RAM `dma_capable()` refuses is bounced.
    @inlinable public func dmaDirectMapPhys(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>,
        _ r: MapRequestTerms<Self>, phys: Word, size: Word
    ) -> MapDecision<Self> {
        let ccShared = or(ccSharedAttribute(b, r), and(b.ccSharedAttr, and(r.mmio, forceDmaUnencrypted(p, dev, b))))
        // `DMA_ATTR_REQUIRE_COHERENT` came in 2026 too (Leon Romanovsky, "dma-direct: prevent
        // SWIOTLB path when DMA_ATTR_REQUIRE_COHERENT is set"); the earlier kernels know no such attribute.
        let requireCoherent = and(b.ccSharedAttr, r.requireCoherent)
        let forced = swiotlbForceBounce(p, dev, b)
        let forcedRefused = and(forced, or(r.mmio, requireCoherent))
        let forcedBounce = and(forced, select(b.ccSharedAttr, not(forcedRefused), not(r.mmio)))
        let address = select(
            and(r.mmio, not(b.ccSharedAttr)), phys, physToDmaDirect(p, dev, phys, shared: ccShared))
        let capable = select(
            and(r.mmio, not(b.ccSharedAttr)),
            and(
                not(equal(address, constant(dmaMappingError))),
                lessOrEqual(subtract(add(address, size), constant(1 as UInt64)), minNotZero(dev.dmaMask, dev.busDmaLimit))),
            dmaCapable(p, dev, b, address: address, size: size, ccShared: ccShared))
        let canBounce = and(swiotlbActive(dev), not(or(r.mmio, requireCoherent)))
        let fail = select(
            forcedBounce, constant(false),
            or(and(b.ccSharedAttr, forcedRefused), and(not(capable), not(canBounce))))
        let bounce = and(not(fail), or(forcedBounce, not(capable)))
        return MapDecision(fail: fail, bounce: bounce, dmaAddress: address)
    }

    /// The `io_tlb_mem` state a bounce needs: `force_dma_unencrypted(dev)`. With the series
    /// `swiotlb_tbl_map_single()` refuses a mem whose `unencrypted` differs from it and then forces
    /// `DMA_ATTR_CC_SHARED` to the mem's state, so the request's own attribute names only the
    /// source of the copy (v6 06/20, after Jason Gunthorpe's review of v4 04/13); before it the
    /// pools were not told apart.
    @inlinable public func swiotlbWantsShared(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>) -> Boolean {
        forceDmaUnencrypted(p, dev, b)
    }

    /// `DMA_ATTR_CC_SHARED` as dma-direct sees it: the attribute exists only with the 2026 series;
    /// before it (6.12's `SWIOTLB_FORCE` era) a caller has no way to say its memory is shared, and
    /// the mapping is an ordinary one (checked against v6.12 kernel/dma/direct.h).
    @inlinable public func ccSharedAttribute(_ b: BehaviourTerms<Self>, _ r: MapRequestTerms<Self>) -> Boolean {
        and(b.ccSharedAttr, r.ccShared)
    }

    /// Strict pool selection: a pool serves a request only if its encryption state matches.
    @inlinable public func poolAccepts(poolDecrypted: Boolean, wantShared: Boolean, strict: Boolean) -> Boolean {
        or(not(strict), same(poolDecrypted, wantShared))
    }

    /// `swiotlb_map()`: the encoding from the pool's recorded state (series) or always
    /// unencrypted (before), and the bounce address checked with `dma_capable()`.
    @inlinable public func swiotlbMap(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>, _ r: MapRequestTerms<Self>,
        poolDecrypted: Boolean, tlbAddress: Word, size: Word
    ) -> SwiotlbMapDecision<Self> {
        let shared = select(b.swiotlbStrict, poolDecrypted, constant(true))
        let address = physToDmaDirect(p, dev, tlbAddress, shared: shared)
        let capable = dmaCapable(p, dev, b, address: address, size: size, ccShared: shared)
        return SwiotlbMapDecision(sharedEncoding: shared, capable: capable, dmaAddress: address)
    }

    /// `dma_direct_alloc()`: atomic requests for shared memory come from the atomic pools, a
    /// restricted-dma-pool device allocates from its pool, anything else gets fresh pages that are
    /// decrypted when the device needs shared memory.
    @inlinable public func dmaDirectAlloc(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ b: BehaviourTerms<Self>, blocking: Boolean
    ) -> AllocDecision<Self> {
        let wantShared = forceDmaUnencrypted(p, dev, b)
        let restricted = and(dev.restrictedPool, swiotlbActive(dev))
        let pool = and(wantShared, and(not(blocking), not(restricted)))
        let decrypt = and(wantShared, and(not(pool), not(restricted)))
        return AllocDecision(fromAtomicPool: pool, fromRestrictedPool: restricted, decrypt: decrypt, wantShared: wantShared)
    }

    /// After `set_memory_decrypted()` failed: leak the pages (true) or free them.
    @inlinable public func leakAfterDecryptFailure(_ b: BehaviourTerms<Self>) -> Boolean { b.leakOnDecryptFailure }

    /// After `set_memory_encrypted()` failed on free: leak the pages (true) or free them.
    @inlinable public func leakAfterReencryptFailure(_ b: BehaviourTerms<Self>) -> Boolean { b.leakOnReencryptFailure }

    /// `dma_direct_map_sg()` after an entry failed: unmap the entries already mapped (true).
    @inlinable public func unwindAfterMapSgFailure(_ b: BehaviourTerms<Self>) -> Boolean { b.mapSgUnwinds }
}
