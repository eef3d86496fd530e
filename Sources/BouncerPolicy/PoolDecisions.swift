/// What the kernel believes of a swiotlb pool after trying to decrypt it.
public struct PoolState<D: PolicyDomain> {
    /// The state recorded for the pool (the series' `unencrypted`), which selection and the DMA
    /// address encoding go by.
    public var decrypted: D.Boolean
    /// The pool may serve requests: false once the kernel knows its conversion failed.
    public var usable: D.Boolean

    @inlinable public init(decrypted: D.Boolean, usable: D.Boolean) {
        self.decrypted = decrypted
        self.usable = usable
    }
}

/// The pool decisions of swiotlb and the atomic pools, written once over any domain: the model
/// runs them on its pools, the prover on pools whose conversions the host decides.
extension PolicyDomain {
    // MARK: swiotlb

    /// `swiotlb_update_mem_attributes()` and `rmem_swiotlb_device_init()` after
    /// `set_memory_decrypted()`. With the series (v6 06/20 "dma: swiotlb: track pool encryption
    /// state and honor DMA_ATTR_CC_SHARED", 17/20 "dma: swiotlb: handle set_memory_decrypted()
    /// failures") the `io_tlb_mem` records `unencrypted = cc_platform_has(CC_ATTR_MEM_ENCRYPT)`
    /// whatever the conversion did, and a pool whose conversion failed is retired
    /// (`swiotlb_mark_pool_used()`); before it, the pool is taken as decrypted whatever happened.
    /// On a mainline pKVM guest `cc_platform_has()` is false: the pool is recorded encrypted.
    @inlinable public func swiotlbPoolConverted(_ p: PlatformTerms<Self>, converted: Boolean, _ b: BehaviourTerms<Self>) -> PoolState<Self> {
        PoolState(
            decrypted: select(b.swiotlbStrict, ccMemEncrypt(p, b), constant(true)),
            usable: or(not(b.swiotlbStrict), or(converted, not(ccMemEncrypt(p, b)))))
    }

    /// Whether `swiotlb_update_mem_attributes()` calls `set_memory_decrypted()` on the default
    /// pool: with the series only when it records the pool unencrypted (`cc_platform_has()`, so
    /// not on mainline pKVM); before it, on every protected guest whose architecture calls it at
    /// boot: x86 `mem_encrypt_init()`, s390 `pv_init()`, pseries `init_svm()`, and arm64 (the
    /// platforms that select `CONFIG_DMA_DIRECT_REMAP`) in `mem_init()` since fbf979a01375
    /// (`arm64UpdatesSwiotlbMemAttributes`), where a pKVM guest shares the pool through its
    /// guest driver. v6.12's arm64 `mem_init()` does not call it, so a 6.12 pKVM guest's default
    /// pool stays private; realm support came with the call, so a realm guest always has it.
    @inlinable public func swiotlbDefaultPoolDecrypts(_ p: PlatformTerms<Self>, _ b: BehaviourTerms<Self>) -> Boolean {
        let architectureCalls = or(or(not(p.directRemap), p.forcesUnencryptedDma), b.arm64UpdatesSwiotlbMemAttributes)
        return select(b.swiotlbStrict, ccMemEncrypt(p, b), and(p.confidential, architectureCalls))
    }

    /// Whether `rmem_swiotlb_device_init()` calls `set_memory_decrypted()` on a restricted-dma-pool.
    /// v6.12 does whatever the guest (on pKVM that is `MEM_SHARE` through the guest driver's
    /// `arm64_mem_crypt_ops`, ebc59b120c58). The series as merged for 7.3 (d5fd03cdd6c0, posted as
    /// v7 13/22, <20260701054926.825925-14-aneesh.kumar@kernel.org>; failure handling ad8d2326d264)
    /// decrypts it only where `cc_platform_has(CC_ATTR_MEM_ENCRYPT)`, recording `cc_shared`
    /// accordingly: on a mainline pKVM guest (not a CC platform) the pool stays private, which the
    /// pKVM maintainers said breaks its virtio (review of v4 04/13, <agSKQrSIhizCXKwx@google.com>).
    @inlinable public func swiotlbRestrictedPoolDecrypts(_ p: PlatformTerms<Self>, _ b: BehaviourTerms<Self>) -> Boolean {
        select(b.swiotlbStrict, ccMemEncrypt(p, b), constant(true))
    }

    /// `rmem_swiotlb_device_init()` after its conversion (`converted`: the conversion worked, or
    /// none was asked for, `swiotlbRestrictedPoolDecrypts`): on a guest that is not confidential
    /// there is nothing to convert and the pool is encrypted, otherwise it is recorded as
    /// `swiotlbPoolConverted` says (with the series: shared exactly where it was decrypted). A
    /// failed conversion retires it with the series.
    @inlinable public func swiotlbRestrictedPoolConverted(
        _ p: PlatformTerms<Self>, converted: Boolean, _ b: BehaviourTerms<Self>
    ) -> PoolState<Self> {
        let state = swiotlbPoolConverted(p, converted: or(converted, not(p.confidential)), b)
        return PoolState(
            decrypted: and(state.decrypted, p.confidential),
            usable: or(not(b.swiotlbStrict), or(converted, not(p.confidential))))
    }

    /// `rmem_swiotlb_device_init()` with the series (v6 17/20): a restricted-dma-pool whose
    /// decryption failed fails the device's set-up, and `of_dma_set_restricted_buffer()` only
    /// warns, so the device keeps the default `io_tlb_mem` (no forced bouncing, no allocations
    /// from the pool). Before it the device uses the pool whatever the conversion did.
    @inlinable public func swiotlbRestrictedPoolAttaches(
        _ p: PlatformTerms<Self>, converted: Boolean, _ b: BehaviourTerms<Self>
    ) -> Boolean {
        swiotlbRestrictedPoolConverted(p, converted: converted, b).usable
    }

    /// `swiotlb_tbl_map_single()` with the series: the device's `io_tlb_mem` is refused outright
    /// unless its `unencrypted` is what the request wants (`swiotlbWantsShared`), before any pool of
    /// it is searched; a dynamic or transient pool it grows by has that state too. Before the
    /// series, every `io_tlb_mem` is taken.
    @inlinable public func swiotlbMemServes(memUnencrypted: Boolean, wantShared: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        poolAccepts(poolDecrypted: memUnencrypted, wantShared: wantShared, strict: b.swiotlbStrict)
    }

    /// `swiotlb_tbl_map_single()` and `swiotlb_alloc()` with d5fd03cdd6c0: a pool serves a request
    /// only if it is usable and its recorded state is the one the request wants; before, any pool.
    @inlinable public func swiotlbPoolServes(_ pool: PoolState<Self>, wantShared: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        and(or(pool.usable, not(b.swiotlbStrict)), poolAccepts(poolDecrypted: pool.decrypted, wantShared: wantShared, strict: b.swiotlbStrict))
    }

    /// `swiotlb_alloc_pool()` for a transient or dynamic pool (`swiotlb_dyn_alloc()` asks for the
    /// default pool's state): with d5fd03cdd6c0 it is decrypted only when shared memory is wanted;
    /// before, every new pool is decrypted. The pool records what it asked for: a failed
    /// conversion means no pool at all.
    @inlinable public func swiotlbNewPoolDecrypted(wantShared: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        or(not(b.swiotlbStrict), wantShared)
    }

    /// `swiotlb_find_slots()` over `dev->dma_io_tlb_mem`: a device with a restricted-dma-pool
    /// (`rmem_swiotlb_device_init()`) searches that pool alone; any other device the default
    /// `io_tlb_mem`, whose pools are the boot pool and the dynamic and transient ones.
    @inlinable public func swiotlbSearches(
        _ dev: DeviceTerms<Self>, isDeviceRestrictedPool: Boolean, isDefaultMemPool: Boolean
    ) -> Boolean {
        select(dev.restrictedPool, isDeviceRestrictedPool, isDefaultMemPool)
    }

    // MARK: atomic pools

    /// The state `dma_atomic_pool_init()` gives a pool when `atomic_pool_expand()` first fills
    /// it: decrypted on a confidential guest with "dma-pool: track decrypted atomic pools and
    /// select them via attrs" (series v5, 8277a12d0d60), which asks `cc_platform_has()`, false on
    /// mainline pKVM; before it, pool.c decrypts every chunk (on a 6.12 pKVM guest that is
    /// `MEM_SHARE` through the guest driver), so every pool is taken as decrypted.
    @inlinable public func atomicPoolDecrypted(_ p: PlatformTerms<Self>, _ b: BehaviourTerms<Self>) -> Boolean {
        or(not(b.atomicStrict), ccMemEncrypt(p, b))
    }

    /// `atomic_pool_expand()`: whether a new chunk is decrypted: the pool's recorded state (its
    /// initial one when the pool is still empty) with the series, always before it.
    @inlinable public func atomicPoolExpandDecrypts(
        _ p: PlatformTerms<Self>, poolDecrypted: Boolean, empty: Boolean, _ b: BehaviourTerms<Self>
    ) -> Boolean {
        select(empty, atomicPoolDecrypted(p, b), or(not(b.atomicStrict), poolDecrypted))
    }

    /// `atomic_pool_expand()` after `set_memory_decrypted()` failed: the chunk is leaked with the
    /// series (`atomicPoolDecryptFailure`), and before it too where nothing frees it (no
    /// `CONFIG_DMA_DIRECT_REMAP`: the error path ends at `out`); under `DMA_DIRECT_REMAP` v6.12's
    /// `remove_mapping` path frees it.
    @inlinable public func atomicPoolLeaksAfterDecryptFailure(_ p: PlatformTerms<Self>, _ b: BehaviourTerms<Self>) -> Boolean {
        or(b.atomicPoolLeaksOnDecryptFailure, not(p.directRemap))
    }

    /// `dma_alloc_from_pool()` with the series: only a pool whose recorded state is the one the
    /// request wants; before, the first pool of the zone.
    @inlinable public func atomicPoolServes(poolDecrypted: Boolean, wantShared: Boolean, _ b: BehaviourTerms<Self>) -> Boolean {
        poolAccepts(poolDecrypted: poolDecrypted, wantShared: wantShared, strict: b.atomicStrict)
    }

    // MARK: coherent pages

    /// `dma_direct_alloc()` after `dma_set_decrypted()`: the pages are handed out unless the
    /// conversion failed; then they are leaked (b9fa16949d18) or, before it, freed.
    @inlinable public func dmaDirectAllocFate(
        decrypt: Boolean, conversionFailed: Boolean, _ b: BehaviourTerms<Self>
    ) -> (handedOut: Boolean, leaked: Boolean) {
        let failed = and(decrypt, conversionFailed)
        return (not(failed), and(failed, leakAfterDecryptFailure(b)))
    }

    /// `dma_direct_free()`: pages that were decrypted are re-encrypted on a confidential guest.
    @inlinable public func dmaDirectFreeReencrypts(_ p: PlatformTerms<Self>, shared: Boolean) -> Boolean {
        and(shared, p.confidential)
    }

    /// `dma_direct_free()` after `dma_set_encrypted()`: the pages go back to the page allocator
    /// unless the re-encryption failed; then they are leaked (Hellwig's 2022 fix in
    /// `dma_direct_free()`), or before it freed anyway.
    @inlinable public func dmaDirectFreeLeaks(
        reencrypt: Boolean, conversionFailed: Boolean, _ b: BehaviourTerms<Self>
    ) -> Boolean {
        and(and(reencrypt, conversionFailed), leakAfterReencryptFailure(b))
    }
}
