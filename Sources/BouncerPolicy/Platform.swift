/// The confidential-computing platforms the model knows, with how each encodes a shared address.
public enum PlatformKind: String, CaseIterable, Sendable {
    case nonConfidential = "none"
    case tdx
    case sevSnp = "sev-snp"
    case sevSnpVtom = "sev-snp-vtom"
    case cca
    case pkvm
    case s390Pv = "s390-pv"
    case pseriesSvm = "pseries-svm"
}

/// A platform as dma-direct sees it.
public struct Platform: Hashable, Sendable {
    public var kind: PlatformKind
    /// `cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)` right now. A pseries secure VM is one from
    /// boot (`prom_init` calls UV_ESM before the kernel proper); `confidentialAtBoot` lets a
    /// profile boot it as a normal guest that turns secure at runtime (seed 003).
    public var confidential: Bool
    /// Bits `dma_addr_unencrypted()` sets: arm64 CCA's `PROT_NS_SHARED`, the top IPA bit.
    public var dmaSharedMask: UInt64
    /// Bits `dma_addr_encrypted()` (`__sme_set`) sets: the SEV C-bit (`sme_me_mask`). TDX and vTOM
    /// keep the shared bit out of DMA addresses: `sme_me_mask` is zero there.
    public var dmaEncryptedMask: UInt64
    /// `cc_mask` as `cc_mkdec()` applies it to a page-table entry: TDX's shared bit, vTOM's
    /// `shared_gpa_boundary`, CCA's `PROT_NS_SHARED` are set for shared pages; the SEV C-bit is
    /// cleared instead (`pageTableClearsForShared`).
    public var pageTableMask: UInt64
    public var pageTableClearsForShared: Bool
    /// Whether converting a page to shared keeps its contents where the host can read them.
    /// pKVM (`MEM_SHARE`: the host's stage-2 maps the same page) and s390 PV (`uv_set_shared`
    /// lifts access protection) share in place. TDX (MapGPA), SEV-SNP (RMP/PVALIDATE), CCA
    /// (RIPAS EMPTY) give the host another or scrambled page, and pseries' UV_SHARE_PAGE zeroes
    /// the page, so the old bytes are never visible there.
    public var conversionKeepsContents: Bool
    /// `virtio_check_mem_acc_cb()` refuses virtio devices without `VIRTIO_F_ACCESS_PLATFORM`: x86
    /// `mem_encrypt_setup_arch()` installs it for SEV, SNP and TDX guests, s390 `pv_init()` for
    /// protected guests. arm64 realms, pKVM guests and pseries secure VMs install nothing.
    public var restrictedVirtioMemoryAccess: Bool
    /// The platform's kernel configuration (issue 16 item 2).
    public var config: KernelConfig

    /// `vmbus_is_confidential()`: a paravisor offers Confidential VMBus to confidential TDX and
    /// SEV-SNP guests (CPUID 0x40000082).
    public var confidentialVmbus: Bool { confidential && [.tdx, .sevSnp, .sevSnpVtom].contains(kind) }

    public init(_ kind: PlatformKind) {
        self.kind = kind
        confidential = kind != .nonConfidential
        dmaSharedMask = kind == .cca ? 1 << 47 : 0
        dmaEncryptedMask = kind == .sevSnp ? 1 << 51 : 0
        switch kind {
        case .tdx, .cca: pageTableMask = 1 << 47
        case .sevSnpVtom: pageTableMask = 1 << 46
        case .sevSnp: pageTableMask = 1 << 51
        default: pageTableMask = 0
        }
        pageTableClearsForShared = kind == .sevSnp
        conversionKeepsContents = kind == .pkvm || kind == .s390Pv || kind == .nonConfidential
        restrictedVirtioMemoryAccess = [.tdx, .sevSnp, .sevSnpVtom, .s390Pv].contains(kind)
        config = KernelConfig(kind)
    }
}

/// What an architecture's kernel is built with and what its conversions allow, where that
/// changes the DMA layer.
public struct KernelConfig: Hashable, Sendable {
    /// `CONFIG_DMA_COHERENT_POOL`: the atomic pools exist (kernel/dma/pool.c is built). x86's
    /// `AMD_MEM_ENCRYPT` selects it (distribution x86 kernels, TDX guests included, have it) and
    /// `DMA_DIRECT_REMAP` does (arm64: CCA realms, pKVM). s390 selects neither: no
    /// `dma_atomic_pool_init()`, and `dma_direct_alloc_from_pool()` fails a non-blocking
    /// allocation that needs shared memory (as does `swiotlb_alloc_tlb()`).
    public var coherentPool: Bool
    /// The host can make `set_memory_decrypted()` / `set_memory_encrypted()` fail. On s390 PV
    /// they loop over `uv_set_shared()` / `uv_remove_shared()`, Ultravisor calls whose result is
    /// ignored, and return 0 (arch/s390/mm/init.c): no host move makes them fail.
    public var hostFailsConversions: Bool
    /// `CONFIG_DMA_DIRECT_REMAP`: arm64 selects it (realms, pKVM), so the atomic pools' chunks are
    /// remapped (`dma_common_contiguous_remap()` in `atomic_pool_expand()`); x86, s390 and powerpc
    /// do not.
    public var directRemap: Bool
    /// The architecture answers `force_dma_unencrypted()` and `cc_platform_has(CC_ATTR_MEM_ENCRYPT)`
    /// with true for a protected guest: x86 SEV and TDX (`amd_force_dma_unencrypted()`,
    /// `tdx_cc_platform_has()`), arm64 realms (both are `is_realm_world()`, 6.13), s390 PV
    /// (`is_prot_virt_guest()`), pseries (`is_secure_guest()`). A pKVM guest is no realm: arm64
    /// answers false, so dma-direct never decrypts for it and the series' pools stay private; its
    /// only sharing is `set_memory_decrypted()` through the `arm64_mem_crypt_ops` the pKVM guest
    /// driver registers (drivers/virt/coco/pkvm-guest, v6.12), which `rmem_swiotlb_device_init()`
    /// calls on a `restricted-dma-pool`. The series' unmerged "[DO NOT MERGE] arm64/coco: Add pKVM
    /// as a CC platform" answers true (`PkvmCcPlatform.ccPlatform`).
    public var forcesUnencryptedDma: Bool
    /// A device can sit inside the guest's trust boundary (TDISP, a Confidential VMBus channel's
    /// `co_external_memory`, as the model has them from posted series). Not on pKVM: no series
    /// assigns a device to a protected guest there, its devices are the host's (virtio behind a
    /// `restricted-dma-pool`), so a probe of a trusted device is skipped.
    public var admitsTrustedDevices: Bool
    /// `zone_dma_limit`: the top of ZONE_DMA, which `dma_direct_supported()` asks a mask below
    /// 32 bits to reach (v6.12). x86 keeps kernel/dma/direct.c's `DMA_BIT_MASK(24)`; s390 and
    /// ppc64 set `DMA_BIT_MASK(31)` (arch/s390/mm/init.c, arch/powerpc/mm/mem.c `paging_init()`);
    /// arm64's `zone_sizes_init()` takes the firmware's limit, which a guest with RAM below 4 GiB
    /// and no narrower dma-ranges caps at `U32_MAX`.
    public var zoneDmaLimit: UInt64

    public init(_ kind: PlatformKind) {
        coherentPool = kind != .s390Pv
        hostFailsConversions = kind != .s390Pv
        directRemap = kind == .cca || kind == .pkvm
        forcesUnencryptedDma = kind != .pkvm
        admitsTrustedDevices = kind != .pkvm
        switch kind {
        case .nonConfidential, .tdx, .sevSnp, .sevSnpVtom: zoneDmaLimit = 0xFF_FFFF
        case .s390Pv, .pseriesSvm: zoneDmaLimit = 0x7FFF_FFFF
        case .cca, .pkvm: zoneDmaLimit = 0xFFFF_FFFF
        }
    }
}

/// A platform as policy values.
public struct PlatformTerms<D: PolicyDomain> {
    public var confidential: D.Boolean
    public var dmaSharedMask: D.Word
    public var dmaEncryptedMask: D.Word
    public var restrictedVirtioMemoryAccess: D.Boolean
    /// `CONFIG_DMA_DIRECT_REMAP` (`KernelConfig.directRemap`).
    public var directRemap: D.Boolean
    /// The architecture's own `force_dma_unencrypted()` on a protected guest
    /// (`KernelConfig.forcesUnencryptedDma`); `ccMemEncrypt` adds the behaviours to it.
    public var forcesUnencryptedDma: D.Boolean
    /// `zone_dma_limit` (`KernelConfig.zoneDmaLimit`).
    public var zoneDmaLimit: D.Word

    @inlinable public init(
        confidential: D.Boolean, dmaSharedMask: D.Word, dmaEncryptedMask: D.Word, restrictedVirtioMemoryAccess: D.Boolean,
        directRemap: D.Boolean, zoneDmaLimit: D.Word, forcesUnencryptedDma: D.Boolean
    ) {
        self.directRemap = directRemap
        self.zoneDmaLimit = zoneDmaLimit
        self.forcesUnencryptedDma = forcesUnencryptedDma
        self.confidential = confidential
        self.dmaSharedMask = dmaSharedMask
        self.dmaEncryptedMask = dmaEncryptedMask
        self.restrictedVirtioMemoryAccess = restrictedVirtioMemoryAccess
    }

    @inlinable public init(_ d: D, _ p: Platform) {
        self.init(
            confidential: d.constant(p.confidential), dmaSharedMask: d.constant(p.dmaSharedMask),
            dmaEncryptedMask: d.constant(p.dmaEncryptedMask),
            restrictedVirtioMemoryAccess: d.and(d.constant(p.confidential), d.constant(p.restrictedVirtioMemoryAccess)),
            directRemap: d.constant(p.config.directRemap), zoneDmaLimit: d.constant(p.config.zoneDmaLimit),
            forcesUnencryptedDma: d.constant(p.config.forcesUnencryptedDma))
    }
}

extension PolicyDomain {
    /// `cc_platform_has(CC_ATTR_MEM_ENCRYPT)`, which is also what the architectures'
    /// `force_dma_unencrypted()` answers for an untrusted device: a protected guest whose
    /// architecture says so (`KernelConfig.forcesUnencryptedDma`), or a pKVM guest under the
    /// series' unmerged "[DO NOT MERGE] arm64/coco: Add pKVM as a CC platform" (v5 01/20, May
    /// 2026). False for a mainline pKVM guest, which is nonetheless protected (`confidential`):
    /// the host cannot read its private memory, and `set_memory_decrypted()` shares pages in place.
    @inlinable public func ccMemEncrypt(_ p: PlatformTerms<Self>, _ b: BehaviourTerms<Self>) -> Boolean {
        and(p.confidential, or(p.forcesUnencryptedDma, b.pkvmCcPlatform))
    }

    /// `cc_platform_has()` when the kernel proper starts. On pseries `prom_init` has already
    /// switched to secure mode (`enter_secure_mode()`), so a secure VM is confidential from boot;
    /// seed 003's scenario (`pseries-secure-mode = runtime`) boots it as a normal guest instead,
    /// to turn secure later (`enterSecureMode`).
    @inlinable public func confidentialAtBoot(
        _ p: PlatformTerms<Self>, entersSecureModeLate: Boolean, _ b: BehaviourTerms<Self>
    ) -> Boolean {
        and(p.confidential, or(not(entersSecureModeLate), b.secureFromBoot))
    }
}

/// A device as policy values: its masks and what the guest knows of it.
public struct DeviceTerms<D: PolicyDomain> {
    /// The kernel knows the device is inside the guest's trust boundary (`device_cc_accepted()`:
    /// TDISP-accepted, a Confidential VMBus channel with `co_external_memory`); filled from
    /// `DeviceConfig.accepted`, which may differ from what the device really is.
    public var accepted: D.Boolean
    /// `*dev->dma_mask`, `dev->bus_dma_limit` (0: none) and the dma-ranges offset
    /// (`dma_start - cpu_start` of the device's single `bus_dma_region`, which ends at the bus
    /// limit: `dmaRangeLast`).
    public var dmaMask: D.Word
    public var busDmaLimit: D.Word
    public var dmaRangeOffset: D.Word
    /// `dev->dma_io_tlb_mem` is NULL (swiotlb disabled for the device).
    public var swiotlbDisabled: D.Boolean
    /// The device uses a `restricted-dma-pool` (`rmem_swiotlb_device_init`: force_bounce, for_alloc).
    public var restrictedPool: D.Boolean
    /// The device's `io_tlb_mem` has `force_bounce` (`swiotlb=force`).
    public var forceBounce: D.Boolean

    @inlinable public init(
        accepted: D.Boolean, dmaMask: D.Word, busDmaLimit: D.Word, dmaRangeOffset: D.Word,
        swiotlbDisabled: D.Boolean, restrictedPool: D.Boolean, forceBounce: D.Boolean
    ) {
        self.forceBounce = forceBounce
        self.accepted = accepted
        self.dmaMask = dmaMask
        self.busDmaLimit = busDmaLimit
        self.dmaRangeOffset = dmaRangeOffset
        self.swiotlbDisabled = swiotlbDisabled
        self.restrictedPool = restrictedPool
    }
}

/// Mapping attributes (`DMA_ATTR_*`) and direction as policy values.
public struct MapRequestTerms<D: PolicyDomain> {
    public var ccShared: D.Boolean
    public var skipCpuSync: D.Boolean
    public var mmio: D.Boolean
    /// `DMA_ATTR_REQUIRE_COHERENT` (RDMA and DRM user memory): the mapping fails rather than bounce.
    public var requireCoherent: D.Boolean
    /// DMA_TO_DEVICE or DMA_BIDIRECTIONAL.
    public var deviceReads: D.Boolean
    /// DMA_FROM_DEVICE or DMA_BIDIRECTIONAL.
    public var deviceWrites: D.Boolean

    @inlinable public init(
        ccShared: D.Boolean, skipCpuSync: D.Boolean, mmio: D.Boolean, requireCoherent: D.Boolean, deviceReads: D.Boolean,
        deviceWrites: D.Boolean
    ) {
        self.ccShared = ccShared
        self.skipCpuSync = skipCpuSync
        self.mmio = mmio
        self.requireCoherent = requireCoherent
        self.deviceReads = deviceReads
        self.deviceWrites = deviceWrites
    }
}

extension PolicyDomain {
    /// Whether a DMA address names the host-visible alias. Where the platform has no DMA encoding
    /// (TDX, vTOM, pKVM, s390, pseries) every address reaches the page as it is, so both are true.
    @inlinable public func dmaAddressIsUnencrypted(_ p: PlatformTerms<Self>, _ dma: Word) -> Boolean {
        select(
            notZero(p.dmaSharedMask), notZero(bitAnd(dma, p.dmaSharedMask)),
            select(notZero(p.dmaEncryptedMask), isZero(bitAnd(dma, p.dmaEncryptedMask)), constant(true)))
    }

    @inlinable public func dmaAddressIsEncrypted(_ p: PlatformTerms<Self>, _ dma: Word) -> Boolean {
        select(
            notZero(p.dmaSharedMask), isZero(bitAnd(dma, p.dmaSharedMask)),
            select(notZero(p.dmaEncryptedMask), notZero(bitAnd(dma, p.dmaEncryptedMask)), constant(true)))
    }
}
