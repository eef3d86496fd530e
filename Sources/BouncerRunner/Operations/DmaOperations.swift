import BouncerModel
import BouncerPolicy

/// The DMA layer's operations (opcodes 0...20, format version 1; 37 and 38, version 3; 40...42,
/// version 5; 43 and 44, version 6; 45, version 7; 46, version 8).
extension OperationDescription {
    /// The `bus_dma_limit` values and dma-ranges offsets a device byte can name (the prover keeps
    /// its witnesses to them, so a counterexample can be written as a scenario).
    public static let busLimits: [UInt64] = [0, 0xFFFF_FFFF, 0x3FFF_FFFF, 0xFF_FFFF_FFFF]
    public static let rangeOffsets: [UInt64] = [0, 0x1000_0000, 0x8000_0000]
    /// What a driver's DMA address may be off by from the one its mapping returned (two's
    /// complement): none first, then a byte into the slot, one slot (`IO_TLB_SIZE`) and one page
    /// either way, and far enough to leave a small pool.
    ///
    /// The random explorer never draws the by-address operations (weight 0): it plays correct
    /// drivers against a hostile host, and a correct driver passes the address its mapping
    /// returned, which the handle operations already are (AddressOperationsTests). The fuzz
    /// targets whose tables hold them (dma, system) reach the wrong addresses.
    static let addressDeltas: [UInt64] = [0, 0x10, 0x800, 0 &- 0x800, 0x1000, 0 &- 0x1000, 0x8000, 0 &- 0x8000]

    /// The segment boundary masks a byte can name (`dmaSetSegBoundary`), as index = byte % 23.
    /// `iommu_is_span_boundary()` BUG()s unless the boundary is a power of two slots, so only
    /// 2^k - 1 masks are real; byte 0 (what missing bytes read as, and the minimiser's goal) is
    /// `ULONG_MAX`, the default. The rest run from one slot (2 KiB, k = 11: only single-slot
    /// bounces fit) through the pools' own sizes (a 128-slot segment is 256 KiB, k = 18), where a
    /// boundary makes the search pass runs over, up to 4 GiB (`0xffffffff`, what
    /// `pci_device_add()` gives every PCI device), beyond which nothing in the model's memory
    /// crosses. Exponents rather than raw masks, so one byte reaches every boundary that matters.
    public static let segmentBoundaryMasks: [UInt64] = [UInt64.max] + (11 ... 32).map { (UInt64(1) << UInt64($0)) - 1 }

    static func signed(_ delta: UInt64) -> String {
        Int64(bitPattern: delta) < 0 ? "- \(hex(0 &- delta))" : "+ \(hex(delta))"
    }

    static func dma(_ k: OperationKind) -> OperationDescription? {
        switch k {
        case .probeDevice:
            // Wire order is the flags byte first; Swift order is `DeviceConfig.init`'s.
            let group = "DeviceConfig"
            return .init(
                k, "probeDevice",
                [
                    Field("trusted", .flag(simplest: false), .bits(shift: 0, width: 1), group: group, swiftDefault: 0, swiftOrder: 0),
                    Field("forceBounce", .flag(simplest: false), .bits(shift: 1, width: 1), group: group, swiftDefault: 0, swiftOrder: 4),
                    Field("swiotlbDisabled", .flag(simplest: false), .bits(shift: 2, width: 1), group: group, swiftDefault: 0, swiftOrder: 5),
                    Field("restrictedPool", .flag(simplest: false), .bits(shift: 3, width: 1), group: group, swiftDefault: 0, swiftOrder: 6),
                    Field("minAlignMask", .table([0, 0xFFF]), .bits(shift: 4, width: 1), group: group, swiftDefault: 0, swiftOrder: 7),
                    Field("dmaMaskBits", .maskBits, .u8, group: group, swiftDefault: 64, swiftOrder: 1),
                    Field("busDmaLimit", .table(busLimits), .u8, group: group, swiftDefault: 0, swiftOrder: 2),
                    Field("dmaRangeOffset", .table(rangeOffsets), .u8, group: group, swiftDefault: 0, swiftOrder: 3),
                ],
                creates: .device, weight: 1,
                make: { .probeDevice(config($0)) },
                read: {
                    guard case .probeDevice(let c) = $0 else { return nil }
                    return Fields(
                        c.trusted, c.forceBounce, c.swiotlbDisabled, c.restrictedPool, c.minAlignMask, c.dmaMaskBits,
                        c.busDmaLimit, c.dmaRangeOffset)
                },
                render: { f in
                    let c = config(f)
                    var traits = [c.trusted ? "trusted" : "untrusted", "DMA_BIT_MASK(\(c.dmaMaskBits))"]
                    if c.busDmaLimit != 0 { traits.append("bus_dma_limit=\(hex(c.busDmaLimit))") }
                    if c.dmaRangeOffset != 0 { traits.append("dma-ranges offset \(hex(c.dmaRangeOffset))") }
                    if c.forceBounce { traits.append("swiotlb=force") }
                    if c.swiotlbDisabled { traits.append("no swiotlb") }
                    if c.restrictedPool { traits.append("restricted-dma-pool") }
                    if c.minAlignMask != 0 { traits.append("min_align_mask=\(hex(c.minAlignMask))") }
                    return "device_add(\(traits.joined(separator: ", ")))"
                })
        case .kmalloc:
            return .init(
                k, "kmalloc", [.size(minimum: 1), Field("zone", .choice(["dma", "dma32", "normal"], simplest: 2), .u8)],
                creates: .buffer, weight: 10,
                make: { .kmalloc(size: $0.u32(0), zone: Zone(rawValue: $0.int(1))!) },
                read: { guard case let .kmalloc(s, z) = $0 else { return nil }; return Fields(s, z) },
                render: { "kmalloc(\($0[0]), \(["GFP_DMA", "GFP_DMA32", "GFP_KERNEL"][$0.int(1)]))" })
        case .kfree:
            return .init(
                k, "kfree", [.handle("buffer", .buffer)], weight: 3, make: { .kfree(buffer: $0.int(0)) },
                read: { guard case .kfree(let b) = $0 else { return nil }; return Fields(b) },
                render: { "kfree(buffer \($0[0]))" })
        case .cpuWrite:
            return .init(
                k, "cpuWrite", [.handle("buffer", .buffer), .offset(), .size()],
                weight: 10,
                make: { .cpuWrite(buffer: $0.int(0), offset: $0.u32(1), size: $0.u32(2)) },
                read: { guard case let .cpuWrite(b, o, s) = $0 else { return nil }; return Fields(b, o, s) },
                render: { "cpu writes buffer \($0[0]) [\($0[1]), +\($0[2]))" })
        case .mapBuffer:
            return .init(
                k, "mapBuffer",
                [
                    .device(), .handle("buffer", .buffer), .offset(), .size(), .direction(.bits(shift: 0, width: 2)),
                    .flag("skipCpuSync", .bits(shift: 2, width: 1)),
                ],
                creates: .mapping, weight: 15,
                make: {
                    .mapBuffer(
                        device: $0.int(0), buffer: $0.int(1), offset: $0.u32(2), size: $0.u32(3), direction: $0.direction(4),
                        skipCpuSync: $0.bool(5))
                },
                read: { guard case let .mapBuffer(d, b, o, s, dir, skip) = $0 else { return nil }; return Fields(d, b, o, s, dir, skip) },
                render: {
                    "dma_map_phys(dev \($0[0]), buffer \($0[1]) +\($0[2]), \($0[3]), \($0.direction(4))"
                        + "\($0.bool(5) ? ", DMA_ATTR_SKIP_CPU_SYNC" : ""))"
                })
        case .mapCoherent:
            return .init(
                k, "mapCoherent", [.handle("coherent", .coherent), .offset(), .size(), .direction()],
                creates: .mapping, weight: 3,
                make: { .mapCoherent(coherent: $0.int(0), offset: $0.u32(1), size: $0.u32(2), direction: $0.direction(3)) },
                read: { guard case let .mapCoherent(c, o, s, dir) = $0 else { return nil }; return Fields(c, o, s, dir) },
                render: {
                    "dma_map_phys(coherent \($0[0])'s device, coherent \($0[0]) +\($0[1]), \($0[2]), \($0.direction(3)), "
                        + "DMA_ATTR_CC_SHARED if shared)"
                })
        case .mapResource:
            return .init(
                k, "mapResource", [.device(), .size(minimum: 1)], creates: .mapping, weight: 1, make: { .mapResource(device: $0.int(0), size: $0.u32(1)) },
                read: { guard case let .mapResource(d, s) = $0 else { return nil }; return Fields(d, s) },
                render: { "dma_map_resource(dev \($0[0]), mmio, \($0[1]), DMA_ATTR_MMIO)" })
        case .unmap:
            return .init(
                k, "unmap", [.handle("mapping", .mapping), .flag("skipCpuSync", .u8)],
                weight: 10,
                make: { .unmap(mapping: $0.int(0), skipCpuSync: $0.bool(1)) },
                read: { guard case let .unmap(m, skip) = $0 else { return nil }; return Fields(m, skip) },
                render: { "dma_unmap_phys(mapping \($0[0])\($0.bool(1) ? ", DMA_ATTR_SKIP_CPU_SYNC" : ""))" })
        case .syncForCpu:
            return .init(
                k, "syncForCpu", [.handle("mapping", .mapping), .offset(), .size()],
                weight: 5,
                make: { .syncForCpu(mapping: $0.int(0), offset: $0.u32(1), size: $0.u32(2)) },
                read: { guard case let .syncForCpu(m, o, s) = $0 else { return nil }; return Fields(m, o, s) },
                render: { "dma_sync_single_range_for_cpu(mapping \($0[0]), +\($0[1]), \($0[2]))" })
        case .syncForDevice:
            return .init(
                k, "syncForDevice", [.handle("mapping", .mapping), .offset(), .size()],
                weight: 5,
                make: { .syncForDevice(mapping: $0.int(0), offset: $0.u32(1), size: $0.u32(2)) },
                read: { guard case let .syncForDevice(m, o, s) = $0 else { return nil }; return Fields(m, o, s) },
                render: { "dma_sync_single_range_for_device(mapping \($0[0]), +\($0[1]), \($0[2]))" })
        case .unmapByAddress:
            return .init(
                k, "unmapByAddress", [.handle("mapping", .mapping), Field("delta", .table(addressDeltas), .u8), .flag("skipCpuSync", .u8)],
                weight: 0,
                make: { .unmapByAddress(mapping: $0.int(0), delta: $0[1], skipCpuSync: $0.bool(2)) },
                read: { guard case let .unmapByAddress(m, delta, skip) = $0 else { return nil }; return Fields(m, delta, skip) },
                render: {
                    "dma_unmap_phys(mapping \($0[0])'s dma \(signed($0[1]))\($0.bool(2) ? ", DMA_ATTR_SKIP_CPU_SYNC" : ""))"
                })
        case .syncForCpuByAddress:
            return .init(
                k, "syncForCpuByAddress", [.handle("mapping", .mapping), Field("delta", .table(addressDeltas), .u8), .offset(), .size()],
                weight: 0,
                make: { .syncForCpuByAddress(mapping: $0.int(0), delta: $0[1], offset: $0.u32(2), size: $0.u32(3)) },
                read: { guard case let .syncForCpuByAddress(m, delta, o, s) = $0 else { return nil }; return Fields(m, delta, o, s) },
                render: { "dma_sync_single_range_for_cpu(mapping \($0[0])'s dma \(signed($0[1])), +\($0[2]), \($0[3]))" })
        case .syncForDeviceByAddress:
            return .init(
                k, "syncForDeviceByAddress", [.handle("mapping", .mapping), Field("delta", .table(addressDeltas), .u8), .offset(), .size()],
                weight: 0,
                make: { .syncForDeviceByAddress(mapping: $0.int(0), delta: $0[1], offset: $0.u32(2), size: $0.u32(3)) },
                read: { guard case let .syncForDeviceByAddress(m, delta, o, s) = $0 else { return nil }; return Fields(m, delta, o, s) },
                render: { "dma_sync_single_range_for_device(mapping \($0[0])'s dma \(signed($0[1])), +\($0[2]), \($0[3]))" })
        case .mapSg:
            return .init(
                k, "mapSg", [.device(), .direction(swiftOrder: 2), Field("buffers", .handles(.buffer, max: 4), .u8, swiftOrder: 1)],
                creates: .scatterlist, weight: 3,
                make: { .mapSg(device: $0.int(0), buffers: $0.list(2), direction: $0.direction(1)) },
                read: {
                    guard case let .mapSg(d, list, dir) = $0 else { return nil }
                    var f = Fields(d, dir, list.count)
                    for (i, b) in list.prefix(Fields.capacity - 3).enumerated() { f[3 + i] = b.fieldValue }
                    return f
                },
                render: { "dma_map_sg(dev \($0[0]), buffers \($0.list(2).map(String.init).joined(separator: ",")), \($0.direction(1)))" })
        case .unmapSg:
            return .init(
                k, "unmapSg", [.handle("scatterlist", .scatterlist)], weight: 2, make: { .unmapSg(scatterlist: $0.int(0)) },
                read: { guard case .unmapSg(let sg) = $0 else { return nil }; return Fields(sg) },
                render: { "dma_unmap_sg(scatterlist \($0[0]))" })
        case .allocCoherent:
            return .init(
                k, "allocCoherent", [.device(), .size(minimum: 1), .flag("blocking", .u8, simplest: true)],
                creates: .coherent, weight: 5,
                make: { .allocCoherent(device: $0.int(0), size: $0.u32(1), blocking: $0.bool(2)) },
                read: { guard case let .allocCoherent(d, s, b) = $0 else { return nil }; return Fields(d, s, b) },
                render: { "dma_alloc_coherent(dev \($0[0]), \($0[1]), \($0.bool(2) ? "GFP_KERNEL" : "GFP_ATOMIC"))" })
        case .freeCoherent:
            return .init(
                k, "freeCoherent", [.handle("coherent", .coherent)], weight: 4, make: { .freeCoherent(coherent: $0.int(0)) },
                read: { guard case .freeCoherent(let c) = $0 else { return nil }; return Fields(c) },
                render: { "dma_free_coherent(coherent \($0[0]))" })
        case .cpuWriteCoherent:
            return .init(
                k, "cpuWriteCoherent", [.handle("coherent", .coherent), .offset(), .size()],
                weight: 4,
                make: { .cpuWriteCoherent(coherent: $0.int(0), offset: $0.u32(1), size: $0.u32(2)) },
                read: { guard case let .cpuWriteCoherent(c, o, s) = $0 else { return nil }; return Fields(c, o, s) },
                render: { "cpu writes coherent \($0[0]) [\($0[1]), +\($0[2]))" })
        case .archSetupDmaOps:
            return .init(
                k, "archSetupDmaOps", [.device(), .flag("coherent", .u8, simplest: true)], weight: 1,
                make: { .archSetupDmaOps(device: $0.int(0), coherent: $0.bool(1)) },
                read: { guard case let .archSetupDmaOps(d, c) = $0 else { return nil }; return Fields(d, c) },
                render: { "arch_setup_dma_ops(dev \($0[0]), \($0.bool(1) ? "coherent" : "not DMA-coherent"))" })
        case .dmaAllocPages:
            return .init(
                k, "dmaAllocPages", [.device(), .size(minimum: 1), .flag("blocking", .u8, simplest: true)],
                creates: .coherent, weight: 2,
                make: { .dmaAllocPages(device: $0.int(0), size: $0.u32(1), blocking: $0.bool(2)) },
                read: { guard case let .dmaAllocPages(d, s, b) = $0 else { return nil }; return Fields(d, s, b) },
                render: { "dma_alloc_pages(dev \($0[0]), \($0[1]), \($0.bool(2) ? "GFP_KERNEL" : "GFP_ATOMIC"))" })
        case .dmaSetSegBoundary:
            return .init(
                k, "dmaSetSegBoundary", [.device(), Field("mask", .table(segmentBoundaryMasks), .u8)], weight: 1,
                make: { .dmaSetSegBoundary(device: $0.int(0), mask: $0[1]) },
                read: { guard case let .dmaSetSegBoundary(d, m) = $0 else { return nil }; return Fields(d, m) },
                render: { "dma_set_seg_boundary(dev \($0[0]), \($0[1] == .max ? "ULONG_MAX" : hex($0[1])))" })
        case .migrateToCpu:
            // Any CPU a configuration has; on a boot with fewer possible CPUs the move is skipped,
            // as the scheduler never runs a task on a CPU that cannot come up.
            return .init(
                k, "migrateToCpu", [Field("cpu", .count(modulo: UInt64(SwiotlbBoot.maxPossibleCpus)), .u8)],
                make: { .migrateToCpu(cpu: $0.int(0)) },
                read: { guard case .migrateToCpu(let c) = $0 else { return nil }; return Fields(c) },
                render: { "the driver's task moves to CPU \($0[0])" })
        case .unbind:
            return .init(
                k, "unbind", [.device()], weight: 1, make: { .unbind(device: $0.int(0)) },
                read: { guard case .unbind(let d) = $0 else { return nil }; return Fields(d) },
                render: { "driver remove(dev \($0[0]))" })
        case .runDeferredWork:
            return .init(
                k, "runDeferredWork", [], weight: 2, make: { _ in .runDeferredWork },
                read: { $0 == .runDeferredWork ? Fields() : nil },
                render: { _ in "workqueue: atomic_pool_work_fn, swiotlb_dyn_alloc" })
        case .enterSecureMode:
            return .init(
                k, "enterSecureMode", [], weight: 1, make: { _ in .enterSecureMode },
                read: { $0 == .enterSecureMode ? Fields() : nil },
                render: { _ in "pseries: enter secure mode (UV_ESM)" })
        case .hostWrite:
            return .init(
                k, "hostWrite", [Field("page", .page, .u16), .offset(modulo: 4096), .size()], host: true,
                weight: 3,
                make: { .hostWrite(page: $0.int(0), offset: $0.u32(1), size: $0.u32(2)) },
                read: { guard case let .hostWrite(p, o, s) = $0 else { return nil }; return Fields(p, o, s) },
                render: { "host writes page \($0[0]) [\($0[1]), +\($0[2]))" })
        case .deviceWrite:
            return .init(
                k, "deviceWrite", [.handle("mapping", .mapping), .offset(), .size()], host: true,
                weight: 12,
                make: { .deviceWrite(mapping: $0.int(0), offset: $0.u32(1), size: $0.u32(2)) },
                read: { guard case let .deviceWrite(m, o, s) = $0 else { return nil }; return Fields(m, o, s) },
                render: { "device writes mapping \($0[0]) [\($0[1]), +\($0[2]))" })
        case .failNextConversion:
            return .init(
                k, "failNextConversion", [Field("afterPages", .count(modulo: 16), .u8)], host: true,
                weight: 2,
                make: { .failNextConversion(afterPages: $0.int(0)) },
                read: { guard case .failNextConversion(let n) = $0 else { return nil }; return Fields(n) },
                render: { "host fails the next page conversion after \($0[0]) page(s)" })
        case .syncSgForCpu:
            return .init(
                k, "syncSgForCpu", [.handle("scatterlist", .scatterlist)], weight: 2, make: { .syncSgForCpu(scatterlist: $0.int(0)) },
                read: { guard case .syncSgForCpu(let sg) = $0 else { return nil }; return Fields(sg) },
                render: { "dma_sync_sg_for_cpu(scatterlist \($0[0]))" })
        case .syncSgForDevice:
            return .init(
                k, "syncSgForDevice", [.handle("scatterlist", .scatterlist)], weight: 2, make: { .syncSgForDevice(scatterlist: $0.int(0)) },
                read: { guard case .syncSgForDevice(let sg) = $0 else { return nil }; return Fields(sg) },
                render: { "dma_sync_sg_for_device(scatterlist \($0[0]))" })
        default:
            return nil
        }
    }

    static func config(_ f: Fields) -> DeviceConfig {
        DeviceConfig(
            trusted: f.bool(0), dmaMaskBits: UInt8(f[5]), busDmaLimit: f[6], dmaRangeOffset: f[7], forceBounce: f.bool(1),
            swiotlbDisabled: f.bool(2), restrictedPool: f.bool(3), minAlignMask: f[4])
    }
}
