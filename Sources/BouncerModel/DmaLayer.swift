import BouncerPolicy

/// A host-armed failure of the next page-state conversion (`set_memory_decrypted()` or
/// `set_memory_encrypted()`): the first `afterPages` pages convert, the next one is left in an
/// unknown state and the call fails.
public struct ConversionFault: Hashable, Sendable {
    public var afterPages: Int
    public init(afterPages: Int) { self.afterPages = afterPages }
}

/// The whole guest: platform, memory, devices, the DMA layer's pools and every live object.
///
/// A value type: copying a `DmaLayer` snapshots the guest. Objects are named by *handles*, their
/// creation order per kind, which stay valid (and dead) after the object is gone.
public struct DmaLayer: Sendable {
    public let behaviours: Behaviours
    public internal(set) var platform: Platform
    public internal(set) var memory = GuestMemory()
    public internal(set) var devices: [Device] = []
    public internal(set) var buffers: [Buffer] = []
    public internal(set) var coherent: [CoherentAllocation] = []
    public internal(set) var mappings: [Mapping] = []
    public internal(set) var scatterlists: [ScatterList] = []
    public internal(set) var swiotlbPools: [SwiotlbPool] = []
    public internal(set) var atomicPools: [AtomicPool] = []
    /// Pages transports allocated and share themselves (rings, GPADL buffers).
    public internal(set) var blocks: [PageBlock] = []
    /// What the current step did, for the oracle. Cleared by `beginStep()`.
    public internal(set) var events: [Event] = []
    /// What the CPU read back at this step's syncs and unmaps, indexed by their events. Kept
    /// apart so that events are plain values, which copy and clear without reference counting.
    public internal(set) var readBacks: [ProvenanceMap] = []
    public internal(set) var conversionFault: ConversionFault?
    /// `swiotlb_dyn_alloc` work was scheduled and has not run yet.
    public internal(set) var swiotlbGrowPending = false
    /// `atomic_pool_work` is queued: an allocation left a pool below its boot size.
    public internal(set) var atomicPoolWorkPending = false
    /// The boot configuration swiotlb's areas come from (CPUs, `swiotlb=` area count).
    public let boot: SwiotlbBoot
    /// swiotlb.c's `default_nslabs` and `default_nareas` after `swiotlb_init_remap()`: what
    /// `swiotlb_dyn_alloc()` asks for, and how many areas `swiotlb_find_slots()` tries.
    public internal(set) var defaultNslabs = SwiotlbPool.defaultSlots
    public internal(set) var defaultNareas = 1
    /// The CPU the driver's calls run on (`raw_smp_processor_id()`), moved by `migrateToCpu`.
    public internal(set) var cpu = 0
    var slab = Slab()
    var nextAllocation: UInt32 = 1
    var nextHostWrite: UInt32 = 1

    @usableFromInline let d = ConcreteDomain()
    /// The behaviours as the policy reads them, made once at boot (they never change) rather than
    /// per decision.
    public let behaviourTerms: BehaviourTerms<ConcreteDomain>

    /// Boots a guest: `swiotlb_init` places the default pool low in ZONE_DMA32 and
    /// `mem_encrypt_init` decrypts it (`swiotlb_update_mem_attributes`); `dma_atomic_pool_init`
    /// creates the three atomic pools where the kernel has them (`CONFIG_DMA_COHERENT_POOL`).
    public init(platform kind: PlatformKind, behaviours: Behaviours, boot: SwiotlbBoot = .standard) {
        self.init(Platform(kind), behaviours: behaviours, boot: boot)
    }

    /// Boots on a platform as given: a test may hand the model a deliberately wrong one (its DMA
    /// encoding, say) to see the oracle, which has its own, report it.
    init(_ platform: Platform, behaviours: Behaviours, boot: SwiotlbBoot = .standard) {
        let kind = platform.kind
        self.behaviours = behaviours
        self.boot = boot
        behaviourTerms = BehaviourTerms(d, behaviours)
        self.platform = platform
        self.platform.confidential = d.confidentialAtBoot(
            PlatformTerms(d, platform), entersSecureModeLate: kind == .pseriesSvm, behaviourTerms)
        // Copies of a booted system keep these capacities, so a fuzz input's first objects do
        // not grow the arrays one reallocation at a time.
        events.reserveCapacity(16)
        devices.reserveCapacity(32)
        buffers.reserveCapacity(32)
        coherent.reserveCapacity(16)
        mappings.reserveCapacity(32)
        let pool = swiotlbInitRemap()
        swiotlbUpdateMemAttributes(pool)
        if platform.config.coherentPool { for zone in Zone.allCases { dmaAtomicPoolInit(zone) } }
        events.removeAll(keepingCapacity: true)
    }

    /// Whether the last step recorded anything `beginStep()` clears: most steps record nothing,
    /// and then a caller skips the (cross-module) call.
    @inlinable public var stepRecorded: Bool { !events.isEmpty || !readBacks.isEmpty }

    public mutating func beginStep() {
        if !events.isEmpty { events.removeAll(keepingCapacity: true) }
        if !readBacks.isEmpty { readBacks.removeAll(keepingCapacity: true) }
    }

    // MARK: policy terms

    @inlinable var platformTerms: PlatformTerms<ConcreteDomain> { PlatformTerms(d, platform) }

    /// Always inlined: out of line, a call from a mutating method copied the whole `DmaLayer` to
    /// pass it, once per allocation and mapping.
    @inlinable @inline(__always) func deviceTerms(_ device: Int) -> DeviceTerms<ConcreteDomain> {
        Self.deviceTerms(devices[device].config, dmaMask: devices[device].dmaMask, restrictedPool: devices[device].restrictedPool != nil)
    }

    /// A device's terms from its config and what the probe decided: the one place they are made.
    @inlinable @inline(__always)
    static func deviceTerms(_ c: DeviceConfig, dmaMask: UInt64, restrictedPool: Bool) -> DeviceTerms<ConcreteDomain> {
        DeviceTerms(
            accepted: c.accepted, dmaMask: dmaMask, busDmaLimit: c.busDmaLimit, dmaRangeOffset: c.dmaRangeOffset,
            swiotlbDisabled: c.swiotlbDisabled, restrictedPool: restrictedPool, forceBounce: c.forceBounce)
    }

    /// `force_dma_unencrypted(dev)`.
    public func forceDmaUnencrypted(_ device: Int) -> Bool {
        d.forceDmaUnencrypted(platformTerms, deviceTerms(device), behaviourTerms)
    }

    /// `dma_to_phys(dev, addr)`.
    public func dmaToPhys(_ device: Int, _ dma: UInt64) -> UInt64 { d.dmaToPhys(platformTerms, deviceTerms(device), dma) }

    /// Whether `dma` names the host-visible alias of its page, on this platform.
    public func dmaAddressIsUnencrypted(_ dma: UInt64) -> Bool { d.dmaAddressIsUnencrypted(platformTerms, dma) }

    mutating func newAllocation() -> UInt32 {
        defer { nextAllocation += 1 }
        return nextAllocation
    }

    // MARK: devices

    /// `device_add()` plus `of_reserved_mem_device_init()`: a device joins the system; one with a
    /// restricted-dma-pool attaches to it, converting it on first use where the policy says
    /// (`rmem_swiotlb_device_init`, `swiotlbRestrictedPoolDecrypts`).
    /// Where the policy says a failed conversion fails the set-up (`swiotlbRestrictedPoolAttaches`),
    /// the device keeps the default `io_tlb_mem` and the next such device converts the pool again
    /// (`rmem->priv` was never set). Then the driver's `dma_set_mask_and_coherent()`: a mask
    /// `dma_set_mask()` refuses leaves the bus's default (`dmaSetMask`). The device exists either
    /// way (`device_initialize()` ran), so it takes its handle.
    @discardableResult
    public mutating func probeDevice(_ config: DeviceConfig) -> Int {
        // The terms `deviceTerms` would read back once appended (the mask asked for, no restricted
        // pool yet), so the device is appended once, whole.
        let requested = config.dmaMask
        let dev = Self.deviceTerms(config, dmaMask: requested, restrictedPool: false)
        let mask = d.dmaSetMask(platformTerms, dev, requested: requested, lastPage: GuestMemory.lastPagePhys)
        devices.append(Device(config: config, maskRefused: mask != requested, dmaMask: mask))
        let index = devices.count - 1
        guard config.restrictedPool && !config.swiotlbDisabled else { return index }
        let existing = swiotlbPools.firstIndex { $0.kind == .restricted }
        if let existing, swiotlbPools[existing].live {
            devices[index].restrictedPool = existing
        } else if let pool = existing ?? createSwiotlbPool(kind: .restricted, slots: SwiotlbPool.restrictedSlots, zone: .dma32) {
            // rmem_swiotlb_device_init(): whether it decrypts the pool, and what it records, are the policy's.
            let decrypts = d.swiotlbRestrictedPoolDecrypts(platformTerms, behaviourTerms)
            let ok = !decrypts || setMemoryDecrypted(swiotlbPools[pool].pages)
            let state = d.swiotlbRestrictedPoolConverted(platformTerms, converted: ok, behaviourTerms)
            swiotlbPools[pool].decrypted = state.decrypted
            swiotlbPools[pool].usable = state.usable
            swiotlbPools[pool].madeShared = decrypts && ok && platform.confidential
            swiotlbPools[pool].live = d.swiotlbRestrictedPoolAttaches(platformTerms, converted: ok, behaviourTerms)
            if swiotlbPools[pool].live { devices[index].restrictedPool = pool }
        }
        return index
    }

    // MARK: page-state conversion

    /// The host will make the next conversion fail after `afterPages` pages.
    public mutating func armConversionFault(_ fault: ConversionFault) { conversionFault = fault }

    /// `set_memory_decrypted()`: make pages shared. On a confidential platform the host may fail
    /// it partway (an armed `ConversionFault`). A non-confidential guest has nothing to convert.
    @discardableResult
    public mutating func setMemoryDecrypted(_ pages: Range<Int>) -> Bool {
        convert(pages, to: .decrypted)
    }

    /// `set_memory_encrypted()`: make pages private again; the host may fail it the same way.
    @discardableResult
    public mutating func setMemoryEncrypted(_ pages: Range<Int>) -> Bool {
        convert(pages, to: .encrypted)
    }

    /// The conversion itself (`__set_memory_enc_pgtable` / the platform's `enc_status_change`
    /// hooks, `MapGPA` on TDX): with an armed fault the first pages convert, the next is left
    /// unknown, the rest are untouched, and the call fails.
    private mutating func convert(_ pages: Range<Int>, to target: PageState) -> Bool {
        guard platform.confidential, !pages.isEmpty else { return true }
        var converted = pages
        var failedPage: Int?
        if let fault = conversionFault {
            conversionFault = nil
            let k = min(fault.afterPages, pages.count - 1)
            converted = pages.lowerBound ..< pages.lowerBound + k
            failedPage = pages.lowerBound + k
        }
        // Runs of pages that change state change hands together.
        var changedFrom: Int?
        for page in converted {
            if memory.states[page] != target {
                memory.setState(page, target)
                if changedFrom == nil { changedFrom = page }
            } else if let from = changedFrom {
                pagesChangedHands(from ..< page)
                changedFrom = nil
            }
        }
        if let from = changedFrom { pagesChangedHands(from ..< converted.upperBound) }
        events.append(.converted(pages: Range(pages), to: target, failedAt: failedPage.map(PageNumber.init)))
        if let failedPage {
            memory.setState(failedPage, .unknown)
            pagesChangedHands(failedPage ..< failedPage + 1)
            return false
        }
        return true
    }

    /// Converted pages: where the platform shares in place the old bytes are now exposed (the
    /// first undisclosed guest byte of each page is reported); where it does not, the host gets
    /// fresh pages and the old bytes are gone.
    private mutating func pagesChangedHands(_ pages: Range<Int>) {
        if platform.conversionKeepsContents {
            for page in pages where memory.states[page] != .encrypted {
                let (lo, hi) = GuestMemory.byteRange(ofPages: page ..< page + 1)
                if let (at, tag) = memory.contents.firstUndisclosedGuest(lo, hi) {
                    events.append(.conversionExposed(byteIndex: ByteIndex(at), tag: tag))
                }
            }
        } else {
            let (lo, hi) = GuestMemory.byteRange(ofPages: pages)
            memory.contents.fill(lo, hi, .zero)
        }
    }

    /// After a failed conversion: leak the pages (dma-direct's `out_leak_pages`,
    /// `atomic_pool_expand`'s `leak_pages`, `swiotlb_alloc_tlb`), or free them (the old bugs).
    mutating func disposeAfterFailedConversion(_ pages: Range<Int>, leak: Bool, reason: LeakReason) {
        if leak {
            memory.setOwner(pages, .leaked(reason))
            events.append(.leaked(pages: Range(pages), reason))
        } else {
            freePages(pages)
        }
    }

    /// `__free_pages()`.
    mutating func freePages(_ pages: Range<Int>) {
        memory.setOwner(pages, .free)
        events.append(.freed(pages: Range(pages)))
    }

    /// `alloc_pages()` in the highest zone the request allows, falling back to lower zones.
    mutating func allocPages(_ count: Int, highest: Zone, owner: PageOwner) -> Int? {
        guard let first = memory.findFreePages(count, highest: highest) else { return nil }
        takePages(first ..< first + count, owner)
        return first
    }

    /// Gives pages to a holder (not the page allocator, not a leak), and says so to the oracle.
    mutating func takePages(_ pages: Range<Int>, _ owner: PageOwner) {
        memory.setOwner(pages, owner)
        events.append(.pagesTaken(pages: Range(pages), by: owner))
    }

    // MARK: the CPU and the host touching memory

    /// The guest CPU writes its own data into a buffer: secret unless the memory was shared on
    /// purpose, in which case the guest knows the host can read it.
    mutating func cpuWrite(phys: UInt64, size: UInt32, allocation: UInt32, disclosed: Bool) {
        var at = phys
        var left = UInt64(size)
        while left > 0, let index = GuestMemory.byteIndex(ofPhys: at) {
            let n = min(left, GuestMemory.pageSize - (at & (GuestMemory.pageSize - 1)))
            memory.contents.fill(index, index + UInt32(n), .guest(allocation, disclosed: disclosed))
            events.append(.cpuWrote(lo: ByteIndex(index), hi: ByteIndex(index + UInt32(n))))
            at += n
            left -= n
        }
    }

    /// The host writes bytes of a page it can see. Returns false for a private page.
    @discardableResult
    public mutating func hostWrite(page: Int, offset: UInt32, size: UInt32) -> Bool {
        guard page < GuestMemory.pageCount, memory.hostVisible(page: page, confidential: platform.confidential)
        else { return false }
        let lo = UInt32(page) << 12 + min(offset, 4095)
        let hi = min(lo + size, UInt32(page + 1) << 12)
        memory.contents.fill(lo, hi, .host(nextHostWrite))
        events.append(.hostWrote(lo: ByteIndex(lo), hi: ByteIndex(hi), tag: .host(nextHostWrite)))
        nextHostWrite += 1
        return true
    }

    /// Copies `size` bytes between guest physical ranges; bytes outside RAM are skipped (the
    /// oracle reports the copy itself). Within a zone physical addresses and byte indices run
    /// together, so a copy splits only where a zone ends.
    mutating func copyPhys(from source: UInt64, to destination: UInt64, size: UInt64) {
        var done: UInt64 = 0
        while done < size {
            let s = source &+ done
            let t = destination &+ done
            let n = min(size - done, GuestMemory.bytesToZoneEnd(s), GuestMemory.bytesToZoneEnd(t))
            if let si = GuestMemory.byteIndex(ofPhys: s), let ti = GuestMemory.byteIndex(ofPhys: t) {
                memory.contents.copy(from: si, to: ti, count: UInt32(n))
            }
            done += n
        }
    }

    /// Marks the guest bytes of a physical range disclosed.
    mutating func disclose(phys: UInt64, size: UInt64) {
        var at = phys
        let end = phys &+ size
        while at < end, let index = GuestMemory.byteIndex(ofPhys: at) {
            let n = min(end - at, GuestMemory.bytesToZoneEnd(at))
            memory.contents.disclose(index, index + UInt32(n))
            at += n
        }
    }
}

extension DmaLayer {
    /// A pseries guest booted as a normal one (`pseries-secure-mode = runtime`, seed 003) turns
    /// itself into a secure VM (UV_ESM): all memory becomes secure, then
    /// `swiotlb_update_mem_attributes()` shares the default pool. Pools and devices set up before
    /// the transition stay as they were. In mainline this happens in `prom_init`, before boot.
    public mutating func enterSecureMode() {
        guard platform.kind == .pseriesSvm, !platform.confidential else { return }
        platform.confidential = true
        if let pool = swiotlbPools.firstIndex(where: { $0.kind == .defaultPool }) { swiotlbUpdateMemAttributes(pool) }
    }
}
