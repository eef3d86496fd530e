/// The kernel behaviours that differ between versions. A profile is a choice of one case for each.
///
/// Each behaviour has two cases: the way the kernel does it now (listed first) and an earlier or
/// broken way. Names are what a profile file says (`swiotlb-copy-on-map = to-device-only`).
public struct Behaviours: Hashable, Sendable {
    /// How dma-direct decides that a streaming mapping must be shared with the host.
    /// `cc-shared-attr`: the 2026 `DMA_ATTR_CC_SHARED` series, where `dma_capable()` takes the
    /// attributes and refuses an encrypted address for a device that needs unencrypted DMA, so
    /// `dma_direct_map_phys()` falls back to swiotlb. `swiotlb-force`: every confidential platform
    /// sets `SWIOTLB_FORCE` (x86 `pci_swiotlb_detect`, arm64 realms, s390 PV, pseries SVM), so
    /// `is_swiotlb_force_bounce()` bounces every mapping of every device.
    public var ccBounce: CCBounce = .ccSharedAttr
    /// Whether a device the guest trusts (TDISP-accepted, Confidential VMBus `co_external_memory`)
    /// is exempt from `force_dma_unencrypted()` and from forced bouncing (`device_cc_accepted()`).
    public var trustedDevices: TrustedDevices = .exempt
    /// swiotlb pools record whether they are decrypted and `swiotlb_tbl_map_single()` only takes a
    /// pool whose state matches the request (d5fd03cdd6c0), or every pool is assumed decrypted.
    public var swiotlbPoolSelection: PoolSelection = .strict
    /// The atomic pools (`dma_alloc_from_pool()`) track encrypted versus decrypted the same way.
    public var atomicPoolSelection: PoolSelection = .strict
    /// What `swiotlb_tbl_map_single()` copies into the slot: the original buffer for every
    /// direction (901c7280ca0d), or only for TO_DEVICE/BIDIRECTIONAL (before ddbd89deb7d3).
    public var swiotlbCopyOnMap: CopyOnMap = .allDirections
    /// What `swiotlb_sync_single_for_device()` copies: only for TO_DEVICE/BIDIRECTIONAL, or for
    /// every direction as aa6f8dcbab47 did until bddac7c1e02b reverted it.
    public var swiotlbSyncForDevice: SyncForDevice = .toDeviceOnly
    /// `swiotlb_bounce()` clamps a partial sync to the slot's recorded `alloc_size` from the
    /// right original offset (e8068f2d756d), or copies the requested size unchecked.
    public var swiotlbBounceBounds: BounceBounds = .clamped
    /// After `set_memory_decrypted()` fails, the pages are leaked (b9fa16949d18 in dma-direct,
    /// `atomic_pool_expand()`, `swiotlb_alloc_tlb()`), or freed back to the page allocator.
    public var decryptFailure: ConversionFailure = .leak
    /// After `set_memory_encrypted()` fails on free, the pages are leaked (`dma_direct_free()`),
    /// or freed although the host can still see them.
    public var reencryptFailure: ConversionFailure = .leak
    /// `dma_direct_map_sg()` unmaps the entries it already mapped when a later one fails, or
    /// abandons them.
    public var mapSgFailure: MapSgFailure = .unmapMapped
    /// `swiotlb_search_pool_area()`: the allocation's alignment is tested on every slot and the
    /// device's `min_align_mask` apart from it (04867a7a3332, the fix for CVE-2024-35814), or, as
    /// 0eee5ae10256 and bbb73a103fbb left it, both are folded into one mask tested only against
    /// an original address, so `swiotlb_alloc()` (no original) gets any slot, and `swiotlb_alloc()`
    /// hands out the page of an unaligned slot (no refusal before 823353b7cf0e).
    public var swiotlbSlotAlignment: SlotAlignment = .allocAlignMask
    /// When a pseries guest becomes a secure VM: in `prom_init` (`enter_secure_mode()`, UV_ESM),
    /// before the kernel proper runs, so `cc_platform_has()` is true from boot (6a9c930bd775,
    /// "powerpc/prom_init: Add the ESM call to prom_init", 2019), or as seed 003's scenario had it,
    /// at runtime after devices were set up as for a normal guest (the `enterSecureMode` operation).
    public var pseriesSecureMode: SecureModeEntry = .promInit
    /// `CONFIG_SWIOTLB_DYNAMIC` (6.6: 79636caad361, 1aaa736815eb): when every pool is full,
    /// `swiotlb_find_slots()` makes a transient pool for the request and schedules
    /// `swiotlb_dyn_alloc()`, or (the option off, as in Debian's 6.12 config) the mapping fails.
    public var swiotlbDynamic: SwiotlbDynamic = .enabled

    // Transports

    /// What VMBus does with a GPADL whose memory the host may still see: after
    /// `set_memory_decrypted()` fails in `__vmbus_establish_gpadl()`, after `set_memory_encrypted()`
    /// fails or the host does not release it in `vmbus_teardown_gpadl()`, the ring, GPADL and
    /// netvsc buffers are leaked (30d18df6567b, 211f514ebf1e, bbf9ac34677b), or freed.
    public var gpadlReleaseFailure: ConversionFailure = .leak
    /// A Confidential VMBus channel with `co_external_memory` does DMA straight into private memory:
    /// its device is accepted as trusted and never bounced (seed 000, `swiotlb_dev_disable()` in
    /// `vmbus_device_register()`), or it is bounced through swiotlb like any VMBus device.
    public var vmbusExternalMemory: ExternalMemory = .accepted
    /// `hv_pkt_iter_first()` copies each inbound packet out of the ring into private memory before
    /// the driver parses it (2021, "Copy packets sent by Hyper-V out of the ring buffer"), or the
    /// driver parses it in place in the ring the host can rewrite.
    public var vmbusInbound: VmbusInbound = .copy
    /// `virtio_features_ok()` on a platform with restricted virtio memory access refuses a device
    /// without `VIRTIO_F_VERSION_1` and `VIRTIO_F_ACCESS_PLATFORM`, or accepts it.
    public var virtioAccessPlatform: AccessPlatform = .required
    /// The driver checks the used length the device reports against the buffer it posted
    /// (per-driver checks such as `receive_small()`'s), or trusts it (939779f5152d moved the check
    /// into the core; its revert left drivers that do not check).
    public var virtioUsedLen: UsedLen = .checked
    /// The proposed `VIRTIO_F_SWIOTLB` (seed 001): not known to this kernel, or negotiated, so a
    /// device offering it gets its own bounce region and needs no `VIRTIO_F_ACCESS_PLATFORM`.
    public var virtioSwiotlb: VirtioSwiotlb = .unsupported
    /// Where `vring_unmap_one_split()` takes the DMA address, length and direction it unmaps a
    /// detached buffer with: the driver's private `desc_extra` (72b5e8958738, "virtio-ring: store
    /// DMA metadata in desc_extra for split virtqueue", v5.14), or the descriptor in the ring the
    /// device can rewrite, as every kernel before it did.
    public var virtioDmaMetadata: DmaMetadata = .descExtra

    /// What `atomic_pool_expand()` does with a chunk whose `set_memory_decrypted()` failed: leaks
    /// it (0510cb5b2303, "dma-pool: fix page leak in atomic_pool_expand() cleanup", series v7
    /// 02/22, merged for 7.3, sets `leak_pages` there and frees on every other failure, remap or
    /// not; v6 split it over 04/20 and 12/20), or, as v6.12 pool.c does, jumps to
    /// `remove_mapping`, which under `CONFIG_DMA_DIRECT_REMAP` (arm64: realms, pKVM) unmaps and
    /// `__free_pages()` the chunk; without it (x86) nothing frees the chunk.
    public var atomicPoolDecryptFailure: AtomicPoolDecryptFailure = .leak
    /// What a pKVM guest is to the DMA layer. `mem-share-only`, mainline: arm64's
    /// `force_dma_unencrypted()` and `cc_platform_has()` are `is_realm_world()`, false on pKVM,
    /// so nothing in dma-direct, the atomic pools or swiotlb decrypts for it; its devices share
    /// memory only through a `restricted-dma-pool` (`rmem_swiotlb_device_init()`). `cc-platform`:
    /// the `DMA_ATTR_CC_SHARED` series' unmerged "[DO NOT MERGE] arm64/coco: Add pKVM as a CC
    /// platform" (Aneesh Kumar K.V, v5 01/20, May 2026), where both answer true on pKVM.
    /// The `pkvm-cc-platform-series` profile has it.
    public var pkvmCcPlatform: PkvmCcPlatform = .memShareOnly

    /// What `dma_direct_alloc()` decrypts for an allocation it remaps (`CONFIG_DMA_DIRECT_REMAP`
    /// and a device that is not DMA-coherent): the pages through their linear-map alias, before
    /// the remap, on both paths (f253a83ff94c, "dma-direct: set decrypted flag for remapped DMA
    /// allocations", the `DMA_ATTR_CC_SHARED` series v7 17/22, merged for 7.3), or nothing, as v6.12
    /// and mainline before the fix: the remap branch calls no `dma_set_decrypted()`, only the vmap
    /// alias gets `pgprot_decrypted`, and the pages stay private.
    public var remapDecrypt: RemapDecrypt = .linearMap
    /// How `dma_direct_free_pages()` finds the atomic pool a `dma_alloc_pages()` page came from: by
    /// its physical address (8a9dc4a028e7, "dma: free atomic pool pages by physical address",
    /// series v7 04/22, merged for 7.3), or, as v6.12, by `page_address(page)`, its linear-map
    /// address, which under `CONFIG_DMA_DIRECT_REMAP` is not the vmap address the `gen_pool` holds,
    /// so the lookup fails and the pool's page is re-encrypted and freed to the page allocator.
    public var freePagesPoolLookup: PoolLookup = .physAddress
    /// What `dma_direct_alloc_pages()` (`dma_alloc_pages()`) hands its caller for a block from an
    /// atomic pool: the block's `struct page` (94a04ad732c9, "dma-direct: return struct page from
    /// dma_direct_alloc_from_pool()", merged for 7.3, stable 6.12.y/6.18.y/7.2.y), or, since
    /// 5b138c534fda ("dma-direct: factor out a dma_direct_alloc_from_pool helper", v5.10), the
    /// pool's CPU address, which the helper returned and C let through as a `struct page *`.
    public var allocPagesPoolReturn: PoolReturn = .page
    /// Whether arm64's `mem_init()` calls `swiotlb_update_mem_attributes()` after
    /// `swiotlb_init()`: it does since fbf979a01375 ("arm64: Enforce bounce buffers for realm
    /// DMA", v6.13), which on a pKVM guest shares the default pool through the guest driver's
    /// `arm64_mem_crypt_ops`; v6.12's `mem_init()` calls only `swiotlb_init()`, so nothing
    /// decrypts a 6.12 pKVM guest's default pool (`not-called`, profile `linux-6.12`).
    public var arm64SwiotlbMemAttributes: Arm64SwiotlbMemAttributes = .memInit

    public init() {}
}

public enum CCBounce: String, CaseIterable, Sendable { case ccSharedAttr = "cc-shared-attr", swiotlbForce = "swiotlb-force" }
public enum TrustedDevices: String, CaseIterable, Sendable { case exempt, bounced }
public enum SwiotlbDynamic: String, CaseIterable, Sendable { case enabled, disabled }
public enum PoolSelection: String, CaseIterable, Sendable { case strict, assumeDecrypted = "assume-decrypted" }
public enum CopyOnMap: String, CaseIterable, Sendable { case allDirections = "all-directions", toDeviceOnly = "to-device-only" }
public enum SyncForDevice: String, CaseIterable, Sendable { case toDeviceOnly = "to-device-only", allDirections = "all-directions" }
public enum BounceBounds: String, CaseIterable, Sendable { case clamped, unchecked }
public enum ConversionFailure: String, CaseIterable, Sendable { case leak, free }
public enum MapSgFailure: String, CaseIterable, Sendable { case unmapMapped = "unmap-mapped", abandonMapped = "abandon-mapped" }
public enum SecureModeEntry: String, CaseIterable, Sendable { case promInit = "prom-init", runtime }
public enum SlotAlignment: String, CaseIterable, Sendable { case allocAlignMask = "alloc-align-mask", origAddrOnly = "orig-addr-only" }
public enum ExternalMemory: String, CaseIterable, Sendable { case accepted, bounced }
public enum Arm64SwiotlbMemAttributes: String, CaseIterable, Sendable { case memInit = "mem-init", notCalled = "not-called" }
public enum VmbusInbound: String, CaseIterable, Sendable { case copy, inPlace = "in-place" }
public enum AccessPlatform: String, CaseIterable, Sendable { case required, optional }
public enum UsedLen: String, CaseIterable, Sendable { case checked, trusted }
public enum VirtioSwiotlb: String, CaseIterable, Sendable { case unsupported, bounceRegion = "bounce-region" }
public enum AtomicPoolDecryptFailure: String, CaseIterable, Sendable { case leak, freeRemapped = "free-remapped" }
public enum PkvmCcPlatform: String, CaseIterable, Sendable { case memShareOnly = "mem-share-only", ccPlatform = "cc-platform" }
public enum DmaMetadata: String, CaseIterable, Sendable { case descExtra = "desc-extra", descriptorRing = "descriptor-ring" }
public enum RemapDecrypt: String, CaseIterable, Sendable { case linearMap = "linear-map", pgprotOnly = "pgprot-only" }
public enum PoolLookup: String, CaseIterable, Sendable { case physAddress = "phys-address", linearMapAddress = "linear-map-address" }
public enum PoolReturn: String, CaseIterable, Sendable { case page, cpuAddress = "cpu-address" }

/// One behaviour as a profile file names it: its name, its choices and how to read and set it.
public struct BehaviourField: Sendable {
    public let name: String
    public let choices: [String]
    public let get: @Sendable (Behaviours) -> String
    public let set: @Sendable (inout Behaviours, String) -> Bool

    static func field<B: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<Behaviours, B> & Sendable
    ) -> BehaviourField where B.RawValue == String {
        BehaviourField(
            name: name, choices: B.allCases.map(\.rawValue),
            get: { $0[keyPath: path].rawValue },
            set: { behaviours, text in
                guard let value = B(rawValue: text) else { return false }
                behaviours[keyPath: path] = value
                return true
            })
    }
}

extension Behaviours {
    /// Every behaviour, in the order a profile file lists them.
    public static let fields: [BehaviourField] = [
        .field("cc-bounce", \.ccBounce),
        .field("trusted-devices", \.trustedDevices),
        .field("swiotlb-pool-selection", \.swiotlbPoolSelection),
        .field("atomic-pool-selection", \.atomicPoolSelection),
        .field("swiotlb-copy-on-map", \.swiotlbCopyOnMap),
        .field("swiotlb-sync-for-device", \.swiotlbSyncForDevice),
        .field("swiotlb-bounce-bounds", \.swiotlbBounceBounds),
        .field("decrypt-failure", \.decryptFailure),
        .field("reencrypt-failure", \.reencryptFailure),
        .field("map-sg-failure", \.mapSgFailure),
        .field("swiotlb-slot-alignment", \.swiotlbSlotAlignment),
        .field("pseries-secure-mode", \.pseriesSecureMode),
        .field("swiotlb-dynamic", \.swiotlbDynamic),
        .field("gpadl-release-failure", \.gpadlReleaseFailure),
        .field("vmbus-external-memory", \.vmbusExternalMemory),
        .field("vmbus-inbound", \.vmbusInbound),
        .field("virtio-access-platform", \.virtioAccessPlatform),
        .field("virtio-used-len", \.virtioUsedLen),
        .field("virtio-swiotlb", \.virtioSwiotlb),
        .field("atomic-pool-decrypt-failure", \.atomicPoolDecryptFailure),
        .field("virtio-dma-metadata", \.virtioDmaMetadata),
        .field("pkvm-cc-platform", \.pkvmCcPlatform),
        .field("dma-direct-remap-decrypt", \.remapDecrypt),
        .field("free-pages-pool-lookup", \.freePagesPoolLookup),
        .field("alloc-pages-pool-return", \.allocPagesPoolReturn),
        .field("arm64-swiotlb-mem-attributes", \.arm64SwiotlbMemAttributes),
    ]
}

/// The model keeps its terms, made once, in the `DmaLayer` value.
extension BehaviourTerms: Sendable where D.Boolean: Sendable {}

/// The behaviours as policy values: constants in the model, constants or unknowns in the prover.
public struct BehaviourTerms<D: PolicyDomain> {
    public var ccSharedAttr: D.Boolean
    public var trustedExempt: D.Boolean
    public var swiotlbStrict: D.Boolean
    public var atomicStrict: D.Boolean
    public var copyOnMapAllDirections: D.Boolean
    public var syncForDeviceAllDirections: D.Boolean
    public var bounceClamped: D.Boolean
    public var leakOnDecryptFailure: D.Boolean
    public var leakOnReencryptFailure: D.Boolean
    public var mapSgUnwinds: D.Boolean
    public var leakGpadlOnFailure: D.Boolean
    public var externalMemoryAccepted: D.Boolean
    public var inboundCopied: D.Boolean
    public var accessPlatformRequired: D.Boolean
    public var usedLenChecked: D.Boolean
    public var virtioSwiotlb: D.Boolean
    public var slotAlignmentChecked: D.Boolean
    public var secureFromBoot: D.Boolean
    public var swiotlbDynamic: D.Boolean
    public var atomicPoolLeaksOnDecryptFailure: D.Boolean
    public var dmaMetadataPrivate: D.Boolean
    public var pkvmCcPlatform: D.Boolean
    public var remapDecryptsLinearMap: D.Boolean
    public var poolLookupByPhys: D.Boolean
    public var allocPagesGetsPoolPage: D.Boolean
    public var arm64UpdatesSwiotlbMemAttributes: D.Boolean

    @inlinable public init(
        ccSharedAttr: D.Boolean, trustedExempt: D.Boolean, swiotlbStrict: D.Boolean, atomicStrict: D.Boolean,
        copyOnMapAllDirections: D.Boolean, syncForDeviceAllDirections: D.Boolean, bounceClamped: D.Boolean,
        leakOnDecryptFailure: D.Boolean, leakOnReencryptFailure: D.Boolean, mapSgUnwinds: D.Boolean,
        leakGpadlOnFailure: D.Boolean, externalMemoryAccepted: D.Boolean, inboundCopied: D.Boolean,
        accessPlatformRequired: D.Boolean, usedLenChecked: D.Boolean, virtioSwiotlb: D.Boolean,
        slotAlignmentChecked: D.Boolean, secureFromBoot: D.Boolean, swiotlbDynamic: D.Boolean,
        atomicPoolLeaksOnDecryptFailure: D.Boolean, dmaMetadataPrivate: D.Boolean, pkvmCcPlatform: D.Boolean,
        remapDecryptsLinearMap: D.Boolean, poolLookupByPhys: D.Boolean, allocPagesGetsPoolPage: D.Boolean,
        arm64UpdatesSwiotlbMemAttributes: D.Boolean
    ) {
        self.arm64UpdatesSwiotlbMemAttributes = arm64UpdatesSwiotlbMemAttributes
        self.pkvmCcPlatform = pkvmCcPlatform
        self.allocPagesGetsPoolPage = allocPagesGetsPoolPage
        self.poolLookupByPhys = poolLookupByPhys
        self.remapDecryptsLinearMap = remapDecryptsLinearMap
        self.atomicPoolLeaksOnDecryptFailure = atomicPoolLeaksOnDecryptFailure
        self.dmaMetadataPrivate = dmaMetadataPrivate
        self.secureFromBoot = secureFromBoot
        self.slotAlignmentChecked = slotAlignmentChecked
        self.swiotlbDynamic = swiotlbDynamic
        self.leakGpadlOnFailure = leakGpadlOnFailure
        self.externalMemoryAccepted = externalMemoryAccepted
        self.inboundCopied = inboundCopied
        self.accessPlatformRequired = accessPlatformRequired
        self.usedLenChecked = usedLenChecked
        self.virtioSwiotlb = virtioSwiotlb
        self.ccSharedAttr = ccSharedAttr
        self.trustedExempt = trustedExempt
        self.swiotlbStrict = swiotlbStrict
        self.atomicStrict = atomicStrict
        self.copyOnMapAllDirections = copyOnMapAllDirections
        self.syncForDeviceAllDirections = syncForDeviceAllDirections
        self.bounceClamped = bounceClamped
        self.leakOnDecryptFailure = leakOnDecryptFailure
        self.leakOnReencryptFailure = leakOnReencryptFailure
        self.mapSgUnwinds = mapSgUnwinds
    }

    @inlinable public init(_ d: D, _ b: Behaviours) {
        self.init(
            ccSharedAttr: d.constant(b.ccBounce == .ccSharedAttr),
            trustedExempt: d.constant(b.trustedDevices == .exempt),
            swiotlbStrict: d.constant(b.swiotlbPoolSelection == .strict),
            atomicStrict: d.constant(b.atomicPoolSelection == .strict),
            copyOnMapAllDirections: d.constant(b.swiotlbCopyOnMap == .allDirections),
            syncForDeviceAllDirections: d.constant(b.swiotlbSyncForDevice == .allDirections),
            bounceClamped: d.constant(b.swiotlbBounceBounds == .clamped),
            leakOnDecryptFailure: d.constant(b.decryptFailure == .leak),
            leakOnReencryptFailure: d.constant(b.reencryptFailure == .leak),
            mapSgUnwinds: d.constant(b.mapSgFailure == .unmapMapped),
            leakGpadlOnFailure: d.constant(b.gpadlReleaseFailure == .leak),
            externalMemoryAccepted: d.constant(b.vmbusExternalMemory == .accepted),
            inboundCopied: d.constant(b.vmbusInbound == .copy),
            accessPlatformRequired: d.constant(b.virtioAccessPlatform == .required),
            usedLenChecked: d.constant(b.virtioUsedLen == .checked),
            virtioSwiotlb: d.constant(b.virtioSwiotlb == .bounceRegion),
            slotAlignmentChecked: d.constant(b.swiotlbSlotAlignment == .allocAlignMask),
            secureFromBoot: d.constant(b.pseriesSecureMode == .promInit),
            swiotlbDynamic: d.constant(b.swiotlbDynamic == .enabled),
            atomicPoolLeaksOnDecryptFailure: d.constant(b.atomicPoolDecryptFailure == .leak),
            dmaMetadataPrivate: d.constant(b.virtioDmaMetadata == .descExtra),
            pkvmCcPlatform: d.constant(b.pkvmCcPlatform == .ccPlatform),
            remapDecryptsLinearMap: d.constant(b.remapDecrypt == .linearMap),
            poolLookupByPhys: d.constant(b.freePagesPoolLookup == .physAddress),
            allocPagesGetsPoolPage: d.constant(b.allocPagesPoolReturn == .page),
            arm64UpdatesSwiotlbMemAttributes: d.constant(b.arm64SwiotlbMemAttributes == .memInit))
    }
}
