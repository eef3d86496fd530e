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
    /// `cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)` right now. pseries starts as a normal guest and
    /// becomes a secure VM at runtime (seed 003).
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

    /// `vmbus_is_confidential()`: a paravisor offers Confidential VMBus to confidential TDX and
    /// SEV-SNP guests (CPUID 0x40000082).
    public var confidentialVmbus: Bool { confidential && [.tdx, .sevSnp, .sevSnpVtom].contains(kind) }

    public init(_ kind: PlatformKind) {
        self.kind = kind
        confidential = kind != .nonConfidential && kind != .pseriesSvm
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
    }
}

/// A platform as policy values.
public struct PlatformTerms<D: PolicyDomain> {
    public var confidential: D.Boolean
    public var dmaSharedMask: D.Word
    public var dmaEncryptedMask: D.Word
    public var restrictedVirtioMemoryAccess: D.Boolean

    @inlinable public init(
        confidential: D.Boolean, dmaSharedMask: D.Word, dmaEncryptedMask: D.Word, restrictedVirtioMemoryAccess: D.Boolean
    ) {
        self.confidential = confidential
        self.dmaSharedMask = dmaSharedMask
        self.dmaEncryptedMask = dmaEncryptedMask
        self.restrictedVirtioMemoryAccess = restrictedVirtioMemoryAccess
    }

    @inlinable public init(_ d: D, _ p: Platform) {
        self.init(
            confidential: d.constant(p.confidential), dmaSharedMask: d.constant(p.dmaSharedMask),
            dmaEncryptedMask: d.constant(p.dmaEncryptedMask),
            restrictedVirtioMemoryAccess: d.and(d.constant(p.confidential), d.constant(p.restrictedVirtioMemoryAccess)))
    }
}

/// A device as policy values: its masks and what the guest knows of it.
public struct DeviceTerms<D: PolicyDomain> {
    /// TDISP-accepted, or a Confidential VMBus channel with `co_external_memory`.
    public var trusted: D.Boolean
    /// `*dev->dma_mask`, `dev->bus_dma_limit` (0: none) and the dma-ranges offset
    /// (`dma_start - cpu_start` of the device's single `bus_dma_region`).
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
        trusted: D.Boolean, dmaMask: D.Word, busDmaLimit: D.Word, dmaRangeOffset: D.Word,
        swiotlbDisabled: D.Boolean, restrictedPool: D.Boolean, forceBounce: D.Boolean
    ) {
        self.forceBounce = forceBounce
        self.trusted = trusted
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
    /// DMA_TO_DEVICE or DMA_BIDIRECTIONAL.
    public var deviceReads: D.Boolean
    /// DMA_FROM_DEVICE or DMA_BIDIRECTIONAL.
    public var deviceWrites: D.Boolean

    @inlinable public init(
        ccShared: D.Boolean, skipCpuSync: D.Boolean, mmio: D.Boolean, deviceReads: D.Boolean, deviceWrites: D.Boolean
    ) {
        self.ccShared = ccShared
        self.skipCpuSync = skipCpuSync
        self.mmio = mmio
        self.deviceReads = deviceReads
        self.deviceWrites = deviceWrites
    }
}

extension PolicyDomain {
    /// `phys_to_dma()`: `dma_addr_encrypted(translate_phys_to_dma())`.
    @inlinable public func physToDma(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: Word) -> Word {
        bitOr(add(phys, dev.dmaRangeOffset), p.dmaEncryptedMask)
    }

    /// `phys_to_dma_unencrypted()`: `dma_addr_unencrypted(translate_phys_to_dma())`.
    @inlinable public func physToDmaUnencrypted(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: Word) -> Word {
        bitOr(add(phys, dev.dmaRangeOffset), p.dmaSharedMask)
    }

    /// `phys_to_dma_direct()`: the unencrypted form when `force_dma_unencrypted()`.
    @inlinable public func physToDmaDirect(
        _ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ phys: Word, shared: Boolean
    ) -> Word {
        select(shared, physToDmaUnencrypted(p, dev, phys), physToDma(p, dev, phys))
    }

    /// `dma_to_phys()`: `dma_addr_canonical()` strips the encoding, then the range translation.
    @inlinable public func dmaToPhys(_ p: PlatformTerms<Self>, _ dev: DeviceTerms<Self>, _ dma: Word) -> Word {
        subtract(bitAnd(dma, bitNot(bitOr(p.dmaSharedMask, p.dmaEncryptedMask))), dev.dmaRangeOffset)
    }

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
