import BouncerModel
import BouncerPolicy
import CKernelDMA

/// Why the real kernel code cannot run: the build has no kernel tree, or booting it failed.
public struct KernelUnavailable: Error, CustomStringConvertible {
    public var description: String
}

/// A device's DMA set-up for the real kernel code.
public struct KernelDeviceConfig: Sendable {
    public var dmaMask: UInt64 = .max
    public var coherentDmaMask: UInt64 = .max
    public var busDmaLimit: UInt64 = 0
    /// One `dma_range_map` region; nil: DMA addresses are physical addresses.
    public var range: (cpuStart: UInt64, dmaStart: UInt64, size: UInt64)?
    public var minAlignMask: UInt32 = 0
    /// `dev->dma_io_tlb_mem` is NULL.
    public var swiotlbDisabled = false

    public init() {}
}

/// What a device's probe left: `dma_set_mask()`'s (then `dma_set_coherent_mask()`'s) return
/// value, 0 or -EIO, and the masks the device has after it.
public struct KernelProbe: Hashable, Sendable {
    public var device: Int
    public var setMaskResult: Int
    public var dmaMask: UInt64
    public var coherentDmaMask: UInt64
}

/// The real kernel/dma of the build's kernel tree (CKernelDMA), booted on one arena of guest
/// memory with BouncerModel's layout. The C side is one global guest, so a process has one
/// `KernelGuest` at a time and booting another resets it; callers serialise their use.
public final class KernelGuest {
    /// Whether this build compiled kernel code in.
    public static var isAvailable: Bool { bouncer_kernel_available() }
    /// Which tree the code came from, or why there is none.
    public static var status: String { String(cString: bouncer_kernel_status()) }
    /// How many devices the shim holds (`BOUNCER_KERNEL_MAX_DEVICES`); the model has no such limit.
    public static let maxDevices = Int(BOUNCER_KERNEL_MAX_DEVICES)

    public let platform: Platform
    /// The CPUs and `swiotlb=` area count it booted with.
    public let boot: SwiotlbBoot

    /// Boots the real code on a platform: the x86 boot order of 6.12 (`swiotlb=` command line,
    /// `pci_swiotlb_detect` and `swiotlb_init`, `mem_encrypt_init`, `dma_atomic_pool_init`). The
    /// platform's confidentiality, shared-in-place conversions and SEV C-bit (`sme_me_mask`) come
    /// from the model's `Platform`; the pool sizes default to the model's (`coherent_pool=` one
    /// atomic-pool chunk, `swiotlb=` the default pool's slots). `boot` gives `num_possible_cpus()`
    /// and the `swiotlb=<slots>,<areas>` area count, as the model boots with it.
    public init(
        platform kind: PlatformKind, boot: SwiotlbBoot = .standard, swiotlbSlots: Int = SwiotlbPool.defaultSlots,
        swiotlbForce: Bool = false, coherentPoolBytes: Int = AtomicPool.chunkPages * Int(GuestMemory.pageSize)
    ) throws {
        guard Self.isAvailable else { throw KernelUnavailable(description: Self.status) }
        platform = Platform(kind)
        self.boot = boot
        var p = bouncer_kernel_platform(
            guest_mem_encrypt: platform.confidential, conversion_keeps_contents: platform.conversionKeepsContents,
            sme_me_mask: platform.dmaEncryptedMask,
            coherent_pool_bytes: UInt32(coherentPoolBytes), swiotlb_slots: UInt32(swiotlbSlots),
            swiotlb_areas: UInt32(boot.areasParameter ?? 0), swiotlb_force: swiotlbForce, possible_cpus: UInt32(boot.possibleCpus))
        let result = bouncer_kernel_boot(&p)
        guard result == 0 else { throw KernelUnavailable(description: "booting the kernel code failed: \(result)") }
    }

    /// `device_initialize` and the driver's mask set-up; the device's index. The device exists
    /// whether or not `dma_set_mask()` accepted its mask (`probe` says).
    public func addDevice(_ config: KernelDeviceConfig = KernelDeviceConfig()) throws -> Int {
        try probe(config).device
    }

    /// `device_initialize` with the bus's default masks, then the driver's `dma_set_mask()` and
    /// `dma_set_coherent_mask()`: the device and what the mask set-up did.
    public func probe(_ config: KernelDeviceConfig) throws -> KernelProbe {
        var c = bouncer_kernel_device(
            dma_mask: config.dmaMask, coherent_dma_mask: config.coherentDmaMask, bus_dma_limit: config.busDmaLimit,
            range_cpu_start: config.range?.cpuStart ?? 0, range_dma_start: config.range?.dmaStart ?? 0,
            range_size: config.range?.size ?? 0, min_align_mask: config.minAlignMask,
            swiotlb_disabled: config.swiotlbDisabled)
        var p = bouncer_kernel_probe()
        let device = bouncer_kernel_add_device(&c, &p)
        guard device >= 0 else { throw KernelUnavailable(description: "adding a device failed: \(device)") }
        return KernelProbe(
            device: Int(device), setMaskResult: Int(p.set_mask_result), dmaMask: p.dma_mask, coherentDmaMask: p.coherent_dma_mask)
    }

    /// The scheduler moves the driver's task to `cpu`; false for a CPU the boot does not have.
    @discardableResult
    public func migrateToCpu(_ cpu: Int) -> Bool { bouncer_kernel_migrate_to_cpu(Int32(cpu)) == 0 }

    /// `dma_set_seg_boundary()`: the device's segment boundary mask in its `dma_parms`.
    public func setSegmentBoundary(device: Int, mask: UInt64) {
        bouncer_kernel_set_seg_boundary(Int32(device), mask)
    }

    /// `DMA_MAPPING_ERROR` (a cast macro, not imported).
    static let mappingError = UInt64.max

    static func dir(_ d: DmaDirection) -> Int32 {
        switch d {
        case .toDevice: Int32(BOUNCER_KERNEL_TO_DEVICE.rawValue)
        case .fromDevice: Int32(BOUNCER_KERNEL_FROM_DEVICE.rawValue)
        case .bidirectional: Int32(BOUNCER_KERNEL_BIDIRECTIONAL.rawValue)
        }
    }

    static func attrs(_ a: DmaAttrs) -> UInt {
        a.contains(.skipCpuSync) ? UInt(BOUNCER_KERNEL_ATTR_SKIP_CPU_SYNC) : 0
    }

    /// `dma_map_single`: the DMA address, or nil for `DMA_MAPPING_ERROR`.
    public func mapSingle(device: Int, phys: UInt64, size: Int, _ direction: DmaDirection, attrs: DmaAttrs = []) -> UInt64? {
        let dma = bouncer_kernel_map_single(Int32(device), phys, UInt64(size), Self.dir(direction), Self.attrs(attrs))
        return dma == Self.mappingError ? nil : dma
    }

    public func unmapSingle(device: Int, dma: UInt64, size: Int, _ direction: DmaDirection, attrs: DmaAttrs = []) {
        bouncer_kernel_unmap_single(Int32(device), dma, UInt64(size), Self.dir(direction), Self.attrs(attrs))
    }

    public func syncSingleForCpu(device: Int, dma: UInt64, size: Int, _ direction: DmaDirection) {
        bouncer_kernel_sync_single_for_cpu(Int32(device), dma, UInt64(size), Self.dir(direction))
    }

    public func syncSingleForDevice(device: Int, dma: UInt64, size: Int, _ direction: DmaDirection) {
        bouncer_kernel_sync_single_for_device(Int32(device), dma, UInt64(size), Self.dir(direction))
    }

    /// A scatterlist segment: what the driver set (`sg_set_page`) and, once mapped, what the DMA
    /// API wrote back (`sg_dma_address`, `sg_dma_len`).
    public struct Segment: Hashable, Sendable {
        public var phys: UInt64
        public var length: Int
        public var dma: UInt64 = 0
        public var dmaLength: Int = 0

        public init(phys: UInt64, length: Int) {
            self.phys = phys
            self.length = length
        }
    }

    /// `dma_map_sg_attrs`: the segments with their DMA addresses, or nil when it returned 0.
    public func mapSg(device: Int, _ segments: [Segment], _ direction: DmaDirection, attrs: DmaAttrs = []) -> [Segment]? {
        let phys = segments.map(\.phys), length = segments.map { UInt32($0.length) }
        var dma = [UInt64](repeating: 0, count: segments.count), dmaLength = [UInt32](repeating: 0, count: segments.count)
        let mapped = bouncer_kernel_map_sg(
            Int32(device), phys, length, Int32(segments.count), Self.dir(direction), Self.attrs(attrs), &dma, &dmaLength)
        guard mapped > 0 else { return nil }
        return segments.indices.map {
            var s = segments[$0]
            s.dma = dma[$0]
            s.dmaLength = Int(dmaLength[$0])
            return s
        }
    }

    public func unmapSg(device: Int, _ segments: [Segment], _ direction: DmaDirection, attrs: DmaAttrs = []) {
        bouncer_kernel_unmap_sg(
            Int32(device), segments.map(\.phys), segments.map { UInt32($0.length) }, segments.map(\.dma),
            segments.map { UInt32($0.dmaLength) }, Int32(segments.count), Self.dir(direction), Self.attrs(attrs))
    }

    /// `dma_alloc_coherent` (`GFP_ATOMIC` when `atomic`, else `GFP_KERNEL`): the CPU address's
    /// physical address and the DMA handle, or nil.
    public func allocCoherent(device: Int, size: Int, atomic: Bool = false) -> (phys: UInt64, dma: UInt64)? {
        var phys: UInt64 = 0, dma: UInt64 = 0
        guard bouncer_kernel_alloc_coherent(Int32(device), UInt64(size), atomic, &phys, &dma) else { return nil }
        return (phys, dma)
    }

    public func freeCoherent(device: Int, size: Int, phys: UInt64, dma: UInt64) {
        bouncer_kernel_free_coherent(Int32(device), UInt64(size), phys, dma)
    }

    /// Runs the work `schedule_work` queued; how many items ran.
    @discardableResult public func runWork() -> Int { Int(bouncer_kernel_run_work()) }

    /// Whether the page allocator holds the page at `phys` as free.
    public func pageIsFree(phys: UInt64) -> Bool { bouncer_kernel_page_free(phys) }

    /// A driver's buffer of whole pages, from `highest` down; its physical address.
    public func allocBuffer(pages: Int, highest: Zone = .normal) -> UInt64? {
        let phys = bouncer_kernel_alloc_buffer(UInt32(pages), UInt32(highest.rawValue))
        return phys == Self.mappingError ? nil : phys
    }

    public func freeBuffer(phys: UInt64, pages: Int) { bouncer_kernel_free_buffer(phys, UInt32(pages)) }

    /// What the CPU reads at `phys`; nil outside RAM.
    public func read(phys: UInt64, count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes { bouncer_kernel_read(phys, $0.baseAddress, UInt64(count)) }
        return ok ? out : nil
    }

    @discardableResult public func write(phys: UInt64, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { bouncer_kernel_write(phys, $0.baseAddress, UInt64(bytes.count)) }
    }

    /// What the device (the host, for a shared page) reads through a DMA address.
    public func deviceRead(device: Int, dma: UInt64, count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes { bouncer_kernel_device_read(Int32(device), dma, $0.baseAddress, UInt64(count)) }
        return ok ? out : nil
    }

    @discardableResult public func deviceWrite(device: Int, dma: UInt64, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { bouncer_kernel_device_write(Int32(device), dma, $0.baseAddress, UInt64(bytes.count)) }
    }

    /// The encryption state of the page holding `phys`; nil outside RAM.
    public func pageState(phys: UInt64) -> PageState? {
        switch bouncer_kernel_page_state(phys) {
        case Int32(BOUNCER_KERNEL_PAGE_PRIVATE.rawValue): .encrypted
        case Int32(BOUNCER_KERNEL_PAGE_SHARED.rawValue): .decrypted
        case Int32(BOUNCER_KERNEL_PAGE_UNKNOWN.rawValue): .unknown
        default: nil
        }
    }

    /// The host fails the next conversion after `pages` more pages (nil: never).
    public func failConversion(afterPages pages: Int?) { bouncer_kernel_fail_conversion_after(pages.map(Int64.init) ?? -1) }

    /// `io_tlb_default_mem.defpool` as the kernel set it up.
    public var defaultPool: (start: UInt64, end: UInt64, slots: Int, forceBounce: Bool)? {
        var start: UInt64 = 0, end: UInt64 = 0, slots: UInt64 = 0, force = false
        guard bouncer_kernel_swiotlb_default_pool(&start, &end, &slots, &force) else { return nil }
        return (start, end, Int(slots), force)
    }

    /// The default pool's areas (`nareas`, `area_nslabs`) as `swiotlb_init_remap()` set them up.
    public var defaultPoolAreas: (count: Int, slots: Int)? {
        var count: UInt32 = 0, slots: UInt64 = 0
        guard bouncer_kernel_swiotlb_default_areas(&count, &slots) else { return nil }
        return (Int(count), Int(slots))
    }

    /// The event record since boot or the last `clearEvents()`.
    public var events: [KernelEvent] {
        var count = 0
        guard let base = bouncer_kernel_events(&count) else { return [] }
        return UnsafeBufferPointer(start: base, count: count).compactMap(KernelEvent.init)
    }

    public func clearEvents() { bouncer_kernel_clear_events() }
}
