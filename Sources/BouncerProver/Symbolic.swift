import BouncerModel
import BouncerPolicy
import BouncerRunner
import SMT

/// A device whose every property is unknown, within what the driver core can set. Its driver asks
/// for any `DMA_BIT_MASK(n)`; the mask dma-direct then works with is the one the policy's
/// `dmaSetMask` installs (the request, or the bus's default where `dma_set_mask()` refuses it).
struct SymbolicDevice {
    let trusted, swiotlbDisabled, restrictedPool, forceBounce: Term
    /// The driver's `dma_set_mask_and_coherent()` argument, and `*dev->dma_mask` after it.
    let requestedMask, dmaMask: Term
    let busDmaLimit, dmaRangeOffset: Term
    let terms: DeviceTerms<Z3Domain>

    init(_ d: Z3Domain, _ solver: Solver, _ p: PlatformTerms<Z3Domain>, prefix: String = "dev") {
        let z = d.z
        trusted = z.boolean("\(prefix).trusted")
        swiotlbDisabled = z.boolean("\(prefix).swiotlb_disabled")
        restrictedPool = z.boolean("\(prefix).restricted_dma_pool")
        forceBounce = z.boolean("\(prefix).force_bounce")
        requestedMask = z.word("\(prefix).requested_dma_mask")
        busDmaLimit = z.word("\(prefix).bus_dma_limit")
        dmaRangeOffset = z.word("\(prefix).dma_range_offset")
        // DMA_BIT_MASK(n) as the byte format says it, 20 <= n <= 64; bus_dma_limit none or a mask
        // too; an offset that keeps RAM addresses below the encoding bits.
        solver.assert(isBitMask(z, requestedMask))
        solver.assert(z.unsignedLessOrEqual(z.word(value: 0xF_FFFF), requestedMask))
        solver.assert(z.or(z.equal(busDmaLimit, z.word(value: 0)), isBitMask(z, busDmaLimit)))
        solver.assert(z.unsignedLess(dmaRangeOffset, z.word(value: 1 << 40)))
        // A witness's limit and offset are among those a device byte names (ScenarioCodec); every
        // DMA_BIT_MASK(n) from 20 bits is.
        for (term, values) in [(busDmaLimit, OperationDescription.busLimits), (dmaRangeOffset, OperationDescription.rangeOffsets)] {
            solver.preferences.append(z.or(values.map { z.equal(term, z.word(value: $0)) }))
        }
        let asked = DeviceTerms<Z3Domain>(
            accepted: trusted, dmaMask: requestedMask, busDmaLimit: busDmaLimit, dmaRangeOffset: dmaRangeOffset,
            swiotlbDisabled: swiotlbDisabled, restrictedPool: restrictedPool, forceBounce: forceBounce)
        dmaMask = d.dmaSetMask(p, asked, requested: requestedMask, lastPage: z.word(value: GuestMemory.lastPagePhys))
        var installed = asked
        installed.dmaMask = dmaMask
        terms = installed
    }

    func config(_ m: Model) -> DeviceConfig {
        DeviceConfig(
            trusted: m.boolean(trusted), dmaMaskBits: UInt8(64 - m.word(requestedMask).leadingZeroBitCount),
            busDmaLimit: m.word(busDmaLimit), dmaRangeOffset: m.word(dmaRangeOffset),
            forceBounce: m.boolean(forceBounce), swiotlbDisabled: m.boolean(swiotlbDisabled),
            restrictedPool: m.boolean(restrictedPool))
    }

    /// The highest zone the device reaches whole with the mask it was left (a refused mask leaves
    /// the bus's 32 bits), its bus limit and its dma-ranges offset; ZONE_DMA when none is. A
    /// device that cannot bounce maps only a buffer there (`dma_capable()`), and the model's
    /// address for it may lie outside the guest's RAM.
    func reachableZone(_ m: Model) -> Zone {
        let bus = m.word(busDmaLimit)
        let limit = bus == 0 ? m.word(dmaMask) : min(m.word(dmaMask), bus)
        let offset = m.word(dmaRangeOffset)
        return [Zone.normal, .dma32].first { zone in
            let end = GuestMemory.base(of: zone.rawValue) + UInt64(GuestMemory.pages(of: zone.rawValue)) << 12 - 1
            let (dma, overflow) = end.addingReportingOverflow(offset)
            return !overflow && dma <= limit
        } ?? .dma
    }

    func describe(_ m: Model) -> [(String, String)] {
        let c = config(m)
        let installed = m.word(dmaMask)
        return [
            ("device", c.trusted ? "trusted" : "untrusted"),
            ("dma_mask", installed == c.dmaMask ? "DMA_BIT_MASK(\(c.dmaMaskBits))"
                : "DMA_BIT_MASK(\(c.dmaMaskBits)) refused, DMA_BIT_MASK(\(64 - installed.leadingZeroBitCount))"),
            ("bus_dma_limit", hex(c.busDmaLimit)), ("dma-ranges offset", hex(c.dmaRangeOffset)),
            ("swiotlb", c.swiotlbDisabled ? "disabled" : c.restrictedPool ? "restricted-dma-pool" : c.forceBounce ? "force" : "default"),
        ]
    }
}

/// A mapping request whose attributes, direction and memory are unknown. The caller is honest:
/// it sets `DMA_ATTR_CC_SHARED` exactly when the memory is shared.
struct SymbolicRequest {
    let ccShared, skipCpuSync, mmio, requireCoherent, deviceReads, deviceWrites: Term
    let phys, size: Term
    let terms: MapRequestTerms<Z3Domain>

    init(_ d: Z3Domain, _ solver: Solver) {
        let z = d.z
        ccShared = z.boolean("attrs.cc_shared")
        skipCpuSync = z.boolean("attrs.skip_cpu_sync")
        mmio = z.boolean("attrs.mmio")
        requireCoherent = z.boolean("attrs.require_coherent")
        deviceReads = z.boolean("dir.device_reads")
        deviceWrites = z.boolean("dir.device_writes")
        phys = z.word("phys")
        size = z.word("size")
        terms = MapRequestTerms(
            ccShared: ccShared, skipCpuSync: skipCpuSync, mmio: mmio, requireCoherent: requireCoherent, deviceReads: deviceReads,
            deviceWrites: deviceWrites)
        solver.assert(z.or(deviceReads, deviceWrites))
        solver.assert(z.unsignedLess(phys, z.word(value: 1 << 40)))
        solver.assert(z.unsignedLess(z.word(value: 0), size))
        solver.assert(z.unsignedLessOrEqual(size, z.word(value: 1 << 18)))
    }

    var direction: (Model) -> DmaDirection {
        { m in m.boolean(deviceReads) ? (m.boolean(deviceWrites) ? .bidirectional : .toDevice) : .fromDevice }
    }

    func describe(_ m: Model) -> [(String, String)] {
        var attrs: DmaAttrs = []
        if m.boolean(ccShared) { attrs.insert(.ccShared) }
        if m.boolean(skipCpuSync) { attrs.insert(.skipCpuSync) }
        if m.boolean(mmio) { attrs.insert(.mmio) }
        if m.boolean(requireCoherent) { attrs.insert(.requireCoherent) }
        return [("direction", "\(direction(m))"), ("attrs", "\(attrs)"), ("phys", hex(m.word(phys))), ("size", "\(m.word(size))")]
    }
}

/// `x` is `DMA_BIT_MASK(n)` for some n: all ones below some bit.
func isBitMask(_ z: Context, _ x: Term) -> Term {
    z.equal(z.bitAnd(x, z.add(x, z.word(value: 1))), z.word(value: 0))
}
